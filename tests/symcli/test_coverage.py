"""What the parsers read, skip on purpose, and do not understand, on real recorded outputs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from clonepilot.symcli import parse_symcfg_list, parse_symdev_list
from clonepilot.symcli.coverage import OutputKind, coverage, not_understood

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real"


def real(name: str) -> str:
    """A recorded output without its provenance header."""
    return (REAL / name).read_text().split("---- verbatim content below this line ----\n", 1)[1]


def session(name: str) -> str:
    """A pasted terminal session: without its prompt line, with the author's masked SIDs as digits."""
    lines = real(name).splitlines()
    body = [line for line in lines if not re.match(r"^\s*(?:#|\[.*\]\$)\s*sym", line)]
    return re.sub(r"000x{6}(\d{3})", r"000123456\1", "\n".join(body) + "\n")


def test_a_real_verbose_symdev_listing_holds_nothing_unknown() -> None:
    # om3-08 carries RDF, capacity, ports, flags... none of it is about clones: skipped, not noise.
    text = real("om3-08-symdev_list_v_rdfa.xml")
    cover = coverage(OutputKind.SYMDEV_LIST, text)
    assert cover.complete, cover.not_understood
    assert "Symmetrix/Device/Dev_Info/dev_name" in cover.read
    assert "Symmetrix/Device/RDF/RDF_Info/pair_state" in cover.skipped
    assert "Symmetrix/Device/Dev_Info/snapvx_source" in cover.skipped
    assert parse_symdev_list(text).devices[0].dev_name == "00024"


@pytest.mark.parametrize("name", ["om3-05-symdev_list.xml", "om3-06-symdev_show_wwn.xml"])
def test_other_real_symdev_documents(name: str) -> None:
    assert not_understood(OutputKind.SYMDEV_LIST, real(name)) == ()


def test_clone_elements_clonepilot_does_not_read_are_listed() -> None:
    clone = (
        "<CLONE_Device><SRC><dev_name>00024</dev_name></SRC><TGT><dev_name>00025</dev_name></TGT>"
        "<state>Copied</state><percent_copied>100</percent_copied><last_action>Mon Apr 29 15:30:49 2024"
        "</last_action><clone_state_flags><differential_state>True</differential_state></clone_state_flags>"
        "<copy_mode>NoCopy</copy_mode></CLONE_Device>"
        "<SnapVX_Info><snapshot><name>daily</name></snapshot><snapshot><name>hourly</name></snapshot></SnapVX_Info>"
    )
    text = real("om3-08-symdev_list_v_rdfa.xml").replace("</RDF>", "</RDF>" + clone, 1)
    cover = coverage(OutputKind.SYMDEV_LIST, text)
    assert [(u.where, u.sample, u.count) for u in cover.not_understood] == [
        ("Symmetrix/Device/CLONE_Device/copy_mode", "NoCopy", 1),
        # The top of an unknown subtree only, not each element below it.
        ("Symmetrix/Device/SnapVX_Info", "", 1),
    ]
    assert "Symmetrix/Device/CLONE_Device/percent_copied" in cover.read
    assert "Symmetrix/Device/CLONE_Device/clone_state_flags/differential_state" in cover.skipped
    assert str(cover.not_understood[0]) == "Symmetrix/Device/CLONE_Device/copy_mode: 'NoCopy'"


def test_real_group_listings() -> None:
    for name in ("osvc-list_pd_mixed.symdg.xml", "osvc-list_pd_1.symdg.xml"):
        cover = coverage(OutputKind.SYMDG_LIST_LD, real(name))
        assert cover.complete, (name, cover.not_understood)
        assert "DG/Device/Dev_Info/ld_name" in cover.read


def test_symcfg_list_xml_and_text() -> None:
    assert coverage(OutputKind.SYMCFG_LIST, real("om3-02-symcfg_list.xml")).complete
    for name in ("notes-01-symcfg_list_single.txt", "notes-02-symcfg_list_multi.txt"):
        text = session(name)
        cover = coverage(OutputKind.SYMCFG_LIST, text)
        assert cover.complete, (name, cover.not_understood)
        assert cover.read == ("array row",)
        assert len(parse_symcfg_list(text)) == text.count("000123456")


def test_masked_ids_are_not_understood_as_the_parser_does_not_read_them() -> None:
    # The author's 000xxxxxx302 is no array id: the parser skips those rows, and coverage says so.
    unread = not_understood(OutputKind.SYMCFG_LIST, real("notes-02-symcfg_list_multi.txt"))
    assert [u.where for u in unread] == ["line 1", *(f"line {n}" for n in range(8, 14))]
    assert unread[1].sample.startswith("000xxxxxx302 Local")


def test_symcli_version_banner() -> None:
    text = real("om3-25-symcli_version.txt")
    assert coverage(OutputKind.SYMCLI_VERSION, text).read == ("SYMCLI version", "SYMAPI version")
    unread = not_understood(OutputKind.SYMCLI_VERSION, text + "Licensed to ACME until 2031\n")
    assert [(u.where, u.sample) for u in unread] == [("line 3", "Licensed to ACME until 2031")]


@pytest.mark.parametrize(
    "name",
    [
        "notes-09-symclone_query_dg_created_totals.txt",
        "notes-11-symclone_query_dg_copyinprog.txt",
        "notes-07-symclone_query_dg_no_session.txt",
    ],
)
def test_real_clone_queries(name: str) -> None:
    cover = coverage(OutputKind.SYMCLONE_QUERY, session(name))
    assert cover.complete, cover.not_understood


def test_an_elided_query_line_is_not_understood() -> None:
    unread = not_understood(
        OutputKind.SYMCLONE_QUERY, session("notes-04-symclone_query_dg_created_partial.txt")
    )
    assert [u.sample for u in unread] == ["……"]


def test_not_xml_where_xml_is_expected() -> None:
    cover = coverage("symdev_list", "The specified device was not found\n")
    assert cover.problem == "no XML document in the output" and not cover.complete
    assert "malformed" in (coverage("symdg_list_ld", "<SymCLI_ML><DG>").problem or "")


def test_host_program_lookup_lines() -> None:
    text = "found\tip\t/usr/sbin/ip\nmissing\tvgs\nsh: 1: oops\n"
    assert [u.sample for u in not_understood(OutputKind.HOST_PROGRAMS, text)] == ["sh: 1: oops"]
