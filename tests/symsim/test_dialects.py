"""Every value of every dialect key (symsim/dialect.py): what each changes, and that nothing else does."""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from symsim import admin, dialect, errors, store
from tests.plugins.symsim import SymsimArray
from tests.symsim.simkit import FAST, SLOW, make_array, make_group, pair_state, set_dialect, set_speed, sym
from tests.symsim.test_symclone_cli import parse_query

PAIR = ["DEV001", "sym", "ld", "TGT001"]


@pytest.fixture
def dg(symsim_home: Path) -> Path:
    make_array(symsim_home)
    make_group("dg", [("00100", "00101"), ("00102", "00103")])
    set_speed(symsim_home, SLOW)
    return symsim_home


def created(home: Path, *flags: str) -> None:
    assert sym("symclone", "-g", "dg", "-nop", "create", *flags).code == 0


def clone_device(home: Path, dev: str = "00101") -> ET.Element:
    out = sym("symdev", "-sid", "123", "list", "-v", "-devs", dev, "-output", "xml_e").out
    found = ET.fromstring(out).find("Symmetrix/Device/CLONE_Device")
    assert found is not None
    return found


# --- admin command and storage ----------------------------------------------------------------


def test_defaults_and_every_key_has_values() -> None:
    assert dialect.defaults() == {key.name: key.values[0] for key in dialect.KEYS}
    assert dialect.current({}) == dialect.defaults()  # a state from before dialects existed
    assert all(len(key.values) >= 2 and key.what for key in dialect.KEYS)


def test_symsim_dialect_command(dg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert admin.main(["dialect"]) == 0
    assert "percent_element       = percent_copied" in capsys.readouterr().out
    assert admin.main(["dialect", "percent_element=none", "verify_codes=one", "--json"]) == 0
    values = json.loads(capsys.readouterr().out)
    assert (values["percent_element"], values["verify_codes"]) == ("none", "one")
    # A bad setting is refused whole: the good one beside it is not applied either.
    assert admin.main(["dialect", "date_padding=zero", "dev_width=weird"]) == errors.FAIL
    assert "dev_width is one of array, mixed" in capsys.readouterr().err
    assert admin.main(["dialect", "nosuch=1"]) == errors.FAIL
    assert admin.main(["dialect", "percent_element"]) == errors.FAIL
    capsys.readouterr()
    assert admin.main(["state", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)["dialect"]
    assert (shown["date_padding"], shown["percent_element"]) == ("space", "none")
    assert admin.main(["state"]) == 0
    assert "(default percent_copied)" in capsys.readouterr().out
    assert admin.main(["dialect", "--reset", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == dialect.defaults()


def test_a_dialect_holds_for_processes_started_through_the_wrappers(symsim_array: SymsimArray) -> None:
    symsim_array.admin("dialect", "control_channel=stdout")
    symsim_array.run("symdg", "create", "dg")
    symsim_array.run("symld", "-g", "dg", "add", "dev", "00100")
    symsim_array.run("symld", "-g", "dg", "add", "dev", "00101", "-tgt")
    result = symsim_array.run("symclone", "-g", "dg", "-nop", "create")
    assert result.returncode == 0
    assert "successfully executed" in result.stdout and result.stderr == ""
    assert "control_channel       = stdout" in symsim_array.admin("state").stdout


# --- percent_element --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "present", "absent"),
    [
        ("percent_copied", ["percent_copied"], ["percent"]),
        ("percent", ["percent"], ["percent_copied"]),
        ("none", [], ["percent", "percent_copied"]),
    ],
)
def test_percent_element(dg: Path, value: str, present: list[str], absent: list[str]) -> None:
    set_dialect(dg, percent_element=value)
    created(dg)
    clone = clone_device(dg)
    assert [clone.findtext(name) for name in present] == ["0"] * len(present)
    assert all(clone.find(name) is None for name in absent)
    assert clone.findtext("state") == "Created" and clone.findtext("TGT/dev_name") == "00101"


# --- control_channel --------------------------------------------------------------------------


@pytest.mark.parametrize("channel", ["stderr", "stdout"])
def test_control_channel(dg: Path, channel: str) -> None:
    set_dialect(dg, control_channel=channel)
    for action in ("create", "activate", "terminate"):
        result = sym("symclone", "-g", "dg", "-nop", "-v", action, *PAIR)
        assert result.code == 0, result
        messages, other = (result.err, result.out) if channel == "stderr" else (result.out, result.err)
        assert f"'{action.capitalize()}' operation successfully executed" in messages
        assert "SELECTING Source devices" in messages
        assert other == ""
    # Errors stay on stderr whatever the channel.
    refused = sym("symclone", "-g", "dg", "-nop", "activate", *PAIR)
    assert refused.code == errors.FAIL and "has not been created" in refused.err and refused.out == ""


# --- query_no_session_exit --------------------------------------------------------------------

NO_SESSION = (
    "\nThe Source device and the Target device do not form a Copy session\n\n"
    "Device group 'dg' does not have any devices that are Clone source devices\n"
)


def test_query_no_session_exit_1(dg: Path) -> None:
    result = sym("symclone", "-g", "dg", "query")
    assert (result.code, result.out, result.err) == (1, "", NO_SESSION)


def test_query_no_session_exit_0(dg: Path, tmp_path: Path) -> None:
    set_dialect(dg, query_no_session_exit="0")
    result = sym("symclone", "-g", "dg", "query")
    assert (result.code, result.out, result.err) == (0, NO_SESSION, "")
    pairs = tmp_path / "pairs"
    pairs.write_text("00100 00101")
    by_file = sym("symclone", "-sid", "123", "-f", str(pairs), "query")
    assert by_file.code == 0
    assert by_file.out == "\nThe Source device and the Target device do not form a Copy session\n"


# --- verify_codes and verify_text ------------------------------------------------------------


def _partly_copied(home: Path) -> None:
    set_speed(home, FAST)
    created(home)
    assert sym("symclone", "-g", "dg", "-nop", "activate", *PAIR).code == 0


@pytest.mark.parametrize(
    ("codes", "not_all", "none"),
    [
        ("reference", errors.VERIFY_CODES["Copied"][0], errors.NONE_SPLIT),
        ("one", errors.FAIL, errors.FAIL),
    ],
)
def test_verify_codes(dg: Path, codes: str, not_all: int, none: int) -> None:
    set_dialect(dg, verify_codes=codes)
    _partly_copied(dg)
    assert sym("symclone", "-g", "dg", "verify", "-copied").code == not_all
    assert sym("symclone", "-g", "dg", "verify", "-split").code == none
    assert sym("symclone", "-g", "dg", "verify").code == 0  # all are valid clone pairs


@pytest.mark.parametrize("text", ["yes", "no"])
def test_verify_text(dg: Path, text: str) -> None:
    set_dialect(dg, verify_text=text)
    _partly_copied(dg)
    partial = sym("symclone", "-g", "dg", "verify", "-copied")
    done = sym("symclone", "-g", "dg", "verify", "-created", "-copied")
    assert (partial.code, done.code) == (errors.VERIFY_CODES["Copied"][0], 0)
    if text == "yes":
        assert partial.out == "Not All devices in the group 'dg' are in 'Copied' state.\n"
        assert done.out == "All devices in the group 'dg' are in 'Created' or 'Copied' state.\n"
    else:
        assert (partial.out, done.out, partial.err) == ("", "", "")


# --- date_padding -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("padding", "shown"), [("space", "Fri Dec  1 10:12:08 2023"), ("zero", "Fri Dec 01 10:12:08 2023")]
)
def test_date_padding(dg: Path, padding: str, shown: str) -> None:
    set_dialect(dg, date_padding=padding)
    created(dg)
    with store.transaction(dg) as state:
        state["arrays"]["000197900123"]["pairs"]["00101"]["last_action"] = time.mktime(
            (2023, 12, 1, 10, 12, 8, 0, 0, -1)
        )
    assert clone_device(dg).findtext("last_action") == shown
    assert f"Last Action          : {shown}" in sym("symdev", "-sid", "123", "show", "101").out


# --- dev_width --------------------------------------------------------------------------------


@pytest.mark.parametrize(("width", "src", "tgt"), [("array", "00100", "00101"), ("mixed", "0100", "0101")])
def test_dev_width(dg: Path, width: str, src: str, tgt: str) -> None:
    set_dialect(dg, dev_width=width)
    created(dg)
    (row, _) = parse_query(sym("symclone", "-g", "dg", "query").out)
    assert (row["src"], row["tgt"]) == (src, tgt)
    listed = ET.fromstring(sym("symdg", "-g", "dg", "list", "ld", "-output", "xml_e").out)
    assert [d.findtext("Dev_Info/dev_name") for d in listed.iter("Device")][:2] == [src, tgt]
    assert f" {src} " in sym("symdg", "show", "dg").out
    assert f" {tgt} " in sym("symld", "-g", "dg", "list").out
    verbose = sym("symclone", "-g", "dg", "-nop", "-v", "terminate", *PAIR)
    assert f"Devices: {src}(S) - {tgt}(T) [PAIRED]" in verbose.err
    # symdev keeps the array's own width in both dialects (osvc-list_pd_mixed: syminq shows 00025).
    device = ET.fromstring(sym("symdev", "-sid", "123", "list", "-devs", "100", "-output", "xml_e").out)
    assert device.findtext("Symmetrix/Device/Dev_Info/dev_name") == "00100"


def test_dev_width_mixed_leaves_5_digit_only_ids_alone(symsim_home: Path) -> None:
    make_array(symsim_home, devs="1FFFE-1FFFF")
    make_group("dg", [("1FFFE", "1FFFF")])
    set_dialect(symsim_home, dev_width="mixed")
    created(symsim_home)
    (row,) = parse_query(sym("symclone", "-g", "dg", "query").out)
    assert (row["src"], row["tgt"]) == ("1FFFE", "1FFFF")


# --- file_query_form --------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["logical_na", "no_logical"])
def test_file_query_form(dg: Path, tmp_path: Path, form: str) -> None:
    set_dialect(dg, file_query_form=form)
    pairs = tmp_path / "pairs"
    pairs.write_text("00100 00101\n00102 00103")
    assert sym("symclone", "-sid", "123", "-f", str(pairs), "-nop", "create").code == 0
    out = sym("symclone", "-sid", "123", "-f", str(pairs), "query").out
    assert "Symmetrix ID          : 000197900123" in out
    rows = [line.split() for line in out.splitlines() if line.startswith(("N/A", "00100", "00102"))]
    if form == "logical_na":
        assert [r[:2] + r[4:6] for r in rows] == [
            ["N/A", "00100", "N/A", "00101"],
            ["N/A", "00102", "N/A", "00103"],
        ]
    else:
        assert [r[:1] + r[3:4] + r[-3:-1] for r in rows] == [
            ["00100", "00101", "X.X.", "Created"],  # G: no group in the -f form
            ["00102", "00103", "X.X.", "Created"],
        ]
        assert "Logical" not in out
    # The DG form keeps its Logical columns either way.
    assert "Logical   Sym" in sym("symclone", "-g", "dg", "query").out


# --- query_pair_clause ------------------------------------------------------------------------


@pytest.mark.parametrize("clause", ["accept", "reject"])
def test_query_pair_clause(dg: Path, clause: str) -> None:
    set_dialect(dg, query_pair_clause=clause)
    created(dg)
    with_clause = sym("symclone", "-g", "dg", "query", *PAIR)
    if clause == "accept":
        assert with_clause.code == 0 and len(parse_query(with_clause.out)) == 1
    else:
        assert with_clause.code == errors.FAIL and "name the sources only" in with_clause.err
    # notes-04's form (source names only) works in both.
    (row,) = parse_query(sym("symclone", "-g", "dg", "query", "DEV002").out)
    assert (row["src_ldev"], row["tgt_ldev"]) == ("DEV002", "TGT002")


# --- create_default ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "flags", "after_activate"),
    [("copy_diff", "XXX.", "CopyInProg"), ("copy", "XX..", "CopyInProg"), ("nocopy", ".X..", "CopyOnAccess")],
)
def test_create_default(dg: Path, mode: str, flags: str, after_activate: str) -> None:
    set_dialect(dg, create_default=mode)
    created(dg)
    rows = parse_query(sym("symclone", "-g", "dg", "query").out)
    assert [r["cgdp"] for r in rows] == [flags, flags]
    assert sym("symclone", "-g", "dg", "-nop", "activate").code == 0
    assert pair_state(dg, "00101")["state"] == after_activate
    # Explicit options win over the default.
    assert sym("symclone", "-g", "dg", "-nop", "terminate", "-symforce").code == 0
    created(dg, "-copy", "-differential")
    assert [r["cgdp"] for r in parse_query(sym("symclone", "-g", "dg", "query").out)] == ["XXX.", "XXX."]


def test_nocopy_excludes_copy(dg: Path) -> None:
    result = sym("symclone", "-g", "dg", "-nop", "create", "-nocopy", "-copy")
    assert result.code == errors.FAIL and "mutually exclusive" in result.err


# --- terminate_copyinprog ---------------------------------------------------------------------


@pytest.mark.parametrize("rule", ["allow", "force"])
def test_terminate_copyinprog(dg: Path, rule: str) -> None:
    set_dialect(dg, terminate_copyinprog=rule)
    created(dg)
    assert sym("symclone", "-g", "dg", "-nop", "activate").code == 0
    plain = sym("symclone", "-g", "dg", "-nop", "terminate", *PAIR)
    if rule == "allow":
        assert plain.code == 0  # notes-12
        assert pair_state(dg, "00101") is None
    else:
        assert plain.code == errors.NEED_FORCE and "-force" in plain.err
        assert pair_state(dg, "00101")["state"] == "CopyInProg"
        assert sym("symclone", "-g", "dg", "-nop", "terminate", "-force", *PAIR).code == 0
    # A session not yet activated ends without -force in both.
    assert sym("symclone", "-g", "dg", "-nop", "create", *PAIR).code == 0
    assert sym("symclone", "-g", "dg", "-nop", "terminate", *PAIR).code == 0


# --- group_message_lines ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "progress", "done"),
    [
        (
            "wrapped",
            "'Create' operation execution is in progress for\ndevice group 'dg'. Please wait...",
            "'Create' operation successfully executed for device group\n'dg'.",
        ),
        (
            "one_line",
            "'Create' operation execution is in progress for device group 'dg'. Please wait...",
            "'Create' operation successfully executed for device group 'dg'.",
        ),
    ],
)
def test_group_message_lines(dg: Path, lines: str, progress: str, done: str) -> None:
    set_dialect(dg, group_message_lines=lines)
    result = sym("symclone", "-g", "dg", "-nop", "create")
    assert result.err == f"\n{progress}\n\n{done}\n"
    # -v prints them on one line in both (notes-08).
    assert sym("symclone", "-g", "dg", "-nop", "terminate").code == 0
    verbose = sym("symclone", "-g", "dg", "-nop", "-v", "create")
    assert "for device group 'dg'. Please wait..." in verbose.err


# --- lock_exit --------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["3", "2", "1"])
def test_lock_exit(dg: Path, code: str) -> None:
    set_dialect(dg, lock_exit=code)
    created(dg)
    assert admin.main(["fault", "add", "symclone:activate", "lock", "--times", "1"]) == 0
    locked = sym("symclone", "-g", "dg", "-nop", "activate")  # the retry loop's lock error
    assert (locked.code, "locked by another process" in locked.err) == (int(code), True)
    query_fault = admin.main(["fault", "add", "symclone:query", "lock", "--times", "1"])
    assert query_fault == 0
    locked_query = sym("symclone", "-g", "dg", "query")  # a fault that fires outright
    assert locked_query.code == int(code)
    assert sym("symclone", "-g", "dg", "-nop", "activate").code == 0


def test_readme_documents_every_key_and_value() -> None:
    readme = (Path(__file__).resolve().parents[2] / "symsim" / "README.md").read_text()
    for key in dialect.KEYS:
        (row,) = [line for line in readme.splitlines() if line.startswith(f"| `{key.name}` |")]
        assert all(f"`{value}`" in row for value in key.values), key.name
