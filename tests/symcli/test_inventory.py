"""The inventory parsers and builders, against real recorded outputs (tests/fixtures/real)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clonepilot.symcli import SymcliParseError
from clonepilot.symcli.inventory import (
    parse_symcli_version,
    parse_symdg_list_ld,
    symcli_version,
    symdg_list_ld,
)

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real"


def real(name: str) -> str:
    """A recorded output without its provenance header."""
    return (REAL / name).read_text().split("---- verbatim content below this line ----\n", 1)[1]


def test_symcli_version_from_the_real_banner() -> None:
    version = parse_symcli_version(real("om3-25-symcli_version.txt"))
    assert (version.version, version.edit_level) == ("V10.1.0.0", 2752)
    assert (version.symapi_version, version.symapi_edit_level) == ("V10.1.0.0", 2752)
    assert version.major == 10
    assert str(version) == "SYMCLI V10.1.0.0 (edit level 2752), SYMAPI V10.1.0.0 (edit level 2752)"


def test_symcli_version_without_symapi_line_or_edit_level() -> None:
    version = parse_symcli_version("Symmetrix Command Line Interface (SYMCLI) Version V9.2.1.0\n")
    assert (version.version, version.edit_level, version.symapi_version) == ("V9.2.1.0", None, None)
    assert version.major == 9


@pytest.mark.parametrize("text", ["", "sh: 1: /opt/emc/symcli: not found\n", "Usage: symcli [-h]\n"])
def test_symcli_version_refuses_other_text(text: str) -> None:
    with pytest.raises(SymcliParseError, match="SYMCLI Version"):
        parse_symcli_version(text)


def test_symdg_list_ld_of_a_real_group_with_4_digit_ids() -> None:
    group = parse_symdg_list_ld(real("osvc-list_pd_mixed.symdg.xml"))
    assert (group.name, group.dg_type, group.symid) == ("node1", "RDF1", "000123400096")
    assert [(d.ld_name, d.dev_name, d.pd_name) for d in group.devices] == [
        ("DEV001", "0025", "/dev/sdf"),
        ("DEV002", "0055", "/dev/sdg"),
    ]
    assert group.devices[0].configuration == "RDF1+TDEV" and group.devices[0].status == "Ready"
    # The same array prints 00025 elsewhere (its syminq): ids compare whatever their width.
    assert group.device("00025") is group.devices[0]
    assert group.device("25") is group.devices[0]
    assert group.device("0026") is None
    assert group.logical("dev002") is group.devices[1]
    assert group.logical("DEV003") is None


def test_symdg_list_ld_without_dg_info() -> None:
    group = parse_symdg_list_ld(real("osvc-list_pd_1.symdg.xml"))
    assert (group.name, group.dg_type, group.symid) == (None, None, None)
    assert [(d.ld_name, d.dev_name, d.pd_name) for d in group.devices] == [("DEV001", "00056", "/dev/sdg")]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("The device group 'X' does not exist\n", "no XML"),
        ("<?xml version='1.0'?><SymCLI_ML><DG><Device>", "malformed"),
        ("<SymCLI_ML><Symmetrix/></SymCLI_ML>", "expected <SymCLI_ML><DG>"),
        (
            "<SymCLI_ML><DG><Device><Dev_Info><dev_name>0025</dev_name></Dev_Info></Device></DG></SymCLI_ML>",
            "ld_name",
        ),
    ],
)
def test_symdg_list_ld_refuses_other_documents(text: str, match: str) -> None:
    with pytest.raises(SymcliParseError, match=match):
        parse_symdg_list_ld(text)


def test_builders() -> None:
    assert symcli_version("/usr/symcli/bin/") == ["/usr/symcli/bin/symcli"]
    assert symdg_list_ld("/usr/symcli/bin", "DGCVI") == [
        "/usr/symcli/bin/symdg",
        "-g",
        "DGCVI",
        "list",
        "ld",
        "-output",
        "xml_e",
    ]
    with pytest.raises(ValueError):
        symdg_list_ld("/usr/symcli/bin", "-force")
    with pytest.raises(ValueError):
        symcli_version("relative/bin")
