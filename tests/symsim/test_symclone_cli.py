"""symclone's command line: both addressing forms, option spelling, prompts, query/verify/symdev output."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from symsim import errors
from tests.symsim.simkit import FAST, SLOW, make_array, make_group, pair_state, set_speed, sym


@pytest.fixture
def two_pairs(symsim_home: Path) -> Path:
    make_array(symsim_home)
    make_group("dg", [("00100", "00101"), ("00102", "00103")])
    return symsim_home


def parse_query(text: str) -> list[dict[str, str]]:
    """Read the pair rows back from `symclone query` text (reference §9.1)."""
    lines = text.splitlines()
    dashes = [i for i, line in enumerate(lines) if line.startswith("-----")]
    rows = []
    for line in lines[dashes[-1] + 1 :]:
        if not line.strip():
            break
        f = line.split()
        rows.append(
            dict(
                zip(
                    ["src_ldev", "src", "prot", "smod", "tgt_ldev", "tgt", "tmod", "cgdp", "state", "pct"],
                    f,
                    strict=True,
                )
            )
        )
    return rows


def pairs_file(tmp_path: Path, lines: list[str]) -> str:
    path = tmp_path / "pairs"
    path.write_text("\n".join(lines))  # no trailing newline, as OpenSVC writes it
    return str(path)


def test_whole_group_pairs_std_with_tgt_devices(two_pairs: Path) -> None:
    set_speed(two_pairs, SLOW)
    result = sym("symclone", "-g", "dg", "create", "-nop", "-diff")
    assert result.code == 0, result
    assert "'Create' operation successfully executed for device group\n'dg'." in result.err
    rows = parse_query(sym("symclone", "-g", "dg", "query").out)
    assert [(r["src"], r["tgt"], r["state"], r["pct"], r["cgdp"]) for r in rows] == [
        ("00100", "00101", "Created", "0", "XXX."),
        ("00102", "00103", "Created", "0", "XXX."),
    ]
    assert rows[0]["prot"] == "8192"


def test_pairs_file_form_and_file_synonym(two_pairs: Path, tmp_path: Path) -> None:
    path = pairs_file(tmp_path, ["# clone set", "100 101", "", "00102 00103"])
    result = sym("symclone", "-sid", "123", "-f", path, "-noprompt", "create", "-precopy", "-differential")
    assert result.code == 0, result
    assert f"in device file '{path}'" in result.err
    assert "successfully executed" in result.err and result.out == ""
    assert sym("symclone", "-sid", "000197900123", "-file", path, "verify", "-precopy").code == 0
    query = sym("symclone", "-sid", "123", "-f", path, "query")
    assert "Symmetrix ID          : 000197900123" in query.out
    rows = parse_query(query.out)
    assert [(r["src_ldev"], r["src"], r["tgt"], r["state"]) for r in rows] == [
        ("N/A", "00100", "00101", "PreCopy"),
        ("N/A", "00102", "00103", "PreCopy"),
    ]
    # -f needs -sid, and one form excludes the other.
    assert sym("symclone", "-f", path, "query").code == errors.FAIL
    assert sym("symclone", "-g", "dg", "-sid", "123", "-f", path, "query").code == errors.FAIL


def test_explicit_pairs_messages_and_symld_one_word(two_pairs: Path) -> None:
    result = sym(
        "symclone", "-g", "dg", "create", "DEV001", "symld", "TGT001", "DEV002", "sym", "ld", "TGT002", "-nop"
    )
    assert result.code == 0, result
    assert result.err.count("'Create' operation execution is in progress for device") == 2
    assert (
        "'Create' operation successfully executed for device 'DEV002'\n"
        "in group 'dg' paired with target device 'TGT002'." in result.err
    )
    bad = sym("symclone", "-g", "dg", "-nop", "activate", "DEV001", "sym", "TGT001")
    assert bad.code == errors.FAIL and "Invalid device pair" in bad.err
    missing = sym("symclone", "-g", "dg", "-nop", "activate", "DEV009", "sym", "ld", "TGT001")
    assert missing.code == errors.FAIL and "DEV009" in missing.err


@pytest.mark.parametrize(
    "argv",
    [
        ["-G", "dg", "-NOP", "CREATE", "-DIFF"],
        ["create", "-g", "dg", "-differential", "-nopr"],
        ["-noprompt", "-g", "dg", "create", "-dif"],
        ["-sid", "0123", "-g", "dg", "-nop", "create"],
    ],
)
def test_free_order_prefixes_and_case(two_pairs: Path, argv: list[str]) -> None:
    result = sym("symclone", *argv)
    assert result.code == 0, result
    assert pair_state(two_pairs, "00101")["state"] == "Created"


@pytest.mark.parametrize(
    ("argv", "text"),
    [
        (["-g", "dg", "-nop", "create", "-bogus"], "Unrecognized option: '-bogus'"),
        (["-g", "dg", "-nop", "create", "-co"], "Ambiguous option: '-co'"),
        (["-g", "dg", "-nop"], "No action was specified"),
        (["-g", "dg", "-nop", "create", "-i"], "requires a value"),
        (["-g", "dg", "query", "-output", "json"], "Invalid output mode"),
        (["-g", "nosuch", "query"], "The device group 'nosuch' does not exist"),
        (["-sid", "999", "-f", "/nonexistent", "query"], "is not valid"),
    ],
)
def test_usage_errors_exit_1(two_pairs: Path, argv: list[str], text: str) -> None:
    result = sym("symclone", *argv)
    assert result.code == errors.FAIL
    assert text in result.err
    assert result.out == ""


def test_query_without_sessions_uses_the_real_texts(two_pairs: Path) -> None:
    result = sym("symclone", "-g", "dg", "query")
    assert result.code == errors.FAIL
    assert "The Source device and the Target device do not form a Copy session" in result.err
    assert "Device group 'dg' does not have any devices that are Clone source devices" in result.err


def test_verify_all_not_all_none(two_pairs: Path) -> None:
    set_speed(two_pairs, FAST)
    assert sym("symclone", "-g", "dg", "-nop", "create", "-diff").code == 0
    none = sym("symclone", "-g", "dg", "verify", "-copied")
    assert none.code == errors.VERIFY_CODES["Copied"][1]
    assert "None of the devices in the group 'dg' are in 'Copied' state." in none.out
    assert sym("symclone", "-g", "dg", "-nop", "activate", "DEV001", "sym", "ld", "TGT001").code == 0
    partial = sym("symclone", "-g", "dg", "verify", "-copied")
    assert partial.code == errors.VERIFY_CODES["Copied"][0]
    assert "Not All devices in the group 'dg' are in 'Copied' state." in partial.out
    assert partial.code != none.code
    assert sym("symclone", "-g", "dg", "verify", "-created", "-copied").code == 0
    assert sym("symclone", "-g", "dg", "verify").code == 0  # valid clone pairs
    # A whole-group activate refuses while one pair is already active.
    assert sym("symclone", "-g", "dg", "-nop", "activate").code == errors.ALREADY_IN_STATE
    assert sym("symclone", "-g", "dg", "-nop", "activate", "DEV002", "sym", "ld", "TGT002").code == 0
    done = sym("symclone", "-g", "dg", "verify", "-Copied")
    assert done.code == 0
    assert "All devices in the group 'dg' are in 'Copied' state." in done.out
    restored = sym("symclone", "-g", "dg", "verify", "-restored")
    assert restored.code == errors.NONE_RESTORED


def test_verify_polls_until_the_state_is_reached(symsim_home: Path) -> None:
    make_array(symsim_home)
    make_group("dg", [("00100", "00101")])
    # 8192 tracks at 16384 tracks/s: Copied about half a second after activate.
    set_speed(symsim_home, 16384)
    assert sym("symclone", "-g", "dg", "-nop", "create").code == 0
    assert sym("symclone", "-g", "dg", "-nop", "activate").code == 0
    assert sym("symclone", "-g", "dg", "verify", "-copied").code != 0
    assert sym("symclone", "-g", "dg", "verify", "-copied", "-i", "1", "-c", "1").code != 0
    polled = sym("symclone", "-g", "dg", "verify", "-copied", "-i", "1", "-c", "5")
    assert polled.code == 0, polled


def test_symdev_xml_paths_as_opensvc_reads_them(two_pairs: Path) -> None:
    set_speed(two_pairs, SLOW)
    assert sym("symclone", "-g", "dg", "-nop", "create", "DEV001", "sym", "ld", "TGT001").code == 0
    assert sym("symclone", "-g", "dg", "-nop", "activate", "DEV001", "sym", "ld", "TGT001").code == 0
    out = sym("symdev", "-sid", "123", "list", "-v", "-devs", "101,103", "-output", "xml_e").out
    root = ET.fromstring(out)
    devices = root.findall("Symmetrix/Device")
    assert [d.findtext("Dev_Info/dev_name") for d in devices] == ["00101", "00103"]
    first, second = devices
    assert first.findtext("Dev_Info/status") == "Ready"
    assert first.findtext("Dev_Info/pd_name")
    assert first.findtext("CLONE_Device/SRC/dev_name") == "00100"
    assert first.findtext("CLONE_Device/TGT/dev_name") == "00101"
    assert first.findtext("CLONE_Device/state") == "CopyInProg"
    assert first.findtext("CLONE_Device/percent_copied") == "0"
    assert first.find("CLONE_Device/percent") is None
    from datetime import datetime

    datetime.strptime(first.findtext("CLONE_Device/last_action") or "", "%a %b %d %H:%M:%S %Y")
    assert second.find("CLONE_Device") is None
    bad = sym("symdev", "-sid", "123", "list", "-devs", "1FFF", "-output", "xml_e")
    assert bad.code == errors.FAIL and "not found" in bad.err


def test_query_xml_and_show(two_pairs: Path) -> None:
    set_speed(two_pairs, SLOW)
    assert sym("symclone", "-g", "dg", "-nop", "create", "-nocopy").code == 0
    root = ET.fromstring(sym("symclone", "-g", "dg", "query", "-output", "xml_e").out)
    assert [p.findtext("Target/dev_name") for p in root.findall("DG/Clone_Pair")] == ["00101", "00103"]
    assert root.findtext("DG/Clone_Pair/flags") == ".XX."  # differential by default
    show = sym("symdev", "-sid", "000197900123", "show", "101")
    assert show.code == 0
    assert "Device Status            : Not Ready" in show.out
    assert "State                : Created" in show.out


def test_prompt_declined_does_nothing(two_pairs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    result = sym("symclone", "-g", "dg", "create", "DEV001", "sym", "ld", "TGT001")
    assert result.code == errors.FAIL
    assert "Execute 'Create' operation for device 'DEV001'\nin device group 'dg' (y/[n]) ? " in result.out
    assert pair_state(two_pairs, "00101") is None
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    assert sym("symclone", "-g", "dg", "create", "DEV001", "sym", "ld", "TGT001").code == 0
    assert pair_state(two_pairs, "00101")["state"] == "Created"


def test_invalid_pairs(symsim_home: Path, tmp_path: Path) -> None:
    make_array(symsim_home)
    with __import__("symsim.store").store.transaction(symsim_home) as state:
        __import__("symsim.arrays").arrays.init_array(state, "000197900123", ["00200"], 2.0)
    size = pairs_file(tmp_path, ["00100 00200"])
    result = sym("symclone", "-sid", "123", "-f", size, "-nop", "create")
    assert result.code == errors.FAIL and "not the same size" in result.err
    same = pairs_file(tmp_path, ["00100 00100"])
    assert sym("symclone", "-sid", "123", "-f", same, "-nop", "create").code == errors.FAIL
    unknown = pairs_file(tmp_path, ["00100 00999"])
    result = sym("symclone", "-sid", "123", "-f", unknown, "-nop", "create")
    assert result.code == errors.FAIL and "was not found" in result.err


def test_query_repeats_with_i_and_c(two_pairs: Path) -> None:
    set_speed(two_pairs, 8192 * 4)
    assert sym("symclone", "-g", "dg", "-nop", "create", "DEV001", "sym", "ld", "TGT001").code == 0
    assert sym("symclone", "-g", "dg", "-nop", "activate", "DEV001", "sym", "ld", "TGT001").code == 0
    result = sym("symclone", "-g", "dg", "query", "-i", "1", "-c", "2")
    assert result.code == 0
    assert result.out.count("Device Group (DG) Name: dg") == 2
    first, second = result.out.split("Device Group (DG) Name: dg")[1:]
    assert parse_query(first)[0]["state"] == "CopyInProg"
    assert parse_query(second)[0]["state"] == "Copied"


def test_symcfg_unknown_sid_and_help(two_pairs: Path) -> None:
    bad = sym("symcfg", "-sid", "555", "list")
    assert bad.code == errors.FAIL and "not valid" in bad.err
    assert "Usage: symclone" in sym("symclone", "-h").out
