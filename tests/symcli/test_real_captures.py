"""Every real SYMCLI output in tests/fixtures/real/ of a command clonepilot runs, through its parser.

The captures come from outside this project (see each file's header and shared/symcli-real/README.md).
`COVERAGE` names, for every file there, the test that reads it or why clonepilot never runs
that command; a new capture without an entry fails `test_every_capture_is_accounted_for`.
"""

from __future__ import annotations

import re

import pytest

from clonepilot.symcli import (
    CloneState,
    SymcliErrorKind,
    SymcliParseError,
    classify,
    control_success_lines,
    parse_clone_query,
    parse_symcfg_list,
    parse_symdev_list,
)
from tests import real_captures as real

COVERAGE: dict[str, str] = {
    "notes-01-symcfg_list_single.txt": "test_symcfg_list_text",
    "notes-02-symcfg_list_multi.txt": "test_symcfg_list_text",
    "om3-02-symcfg_list.xml": "test_symcfg_list_xml",
    "notes-04-symclone_query_dg_created_partial.txt": "test_query_created_one_source",
    "notes-07-symclone_query_dg_no_session.txt": "test_query_without_session",
    "notes-09-symclone_query_dg_created_totals.txt": "test_query_created_with_totals",
    "notes-11-symclone_query_dg_copyinprog.txt": "test_query_copy_in_progress",
    "notes-03-symclone_create_dg_pair_prompt.txt": "test_control_messages",
    "notes-08-symclone_create_dg_verbose.txt": "test_control_messages",
    "notes-10-symclone_activate_dg_prompt.txt": "test_control_messages",
    "notes-12-symclone_terminate_dg_prompt.txt": "test_control_messages",
    "osvcdoc-01-symclone_recreate_dg.txt": "test_control_messages",
    "osvcdoc-02-symclone_activate_dg.txt": "test_control_messages",
    "om3-08-symdev_list_v_rdfa.xml": "test_symdev_list_verbose",
    "om3-05-symdev_list.xml": "test_symdev_list_short_record",
    "om3-09-symdev_list_ficon.xml": "test_symdev_list_without_devices",
    "om3-11-symdev_list_identifier.xml": "test_symdev_list_short_record",
    "om3-07-symdev_list_wwn.xml": "test_symdev_flat_layout_is_refused (list -wwn: never run)",
    "om3-25-symcli_version.txt": "tests/symcli/test_inventory.py (check: SYMCLI version)",
    "osvc-list_pd_1.symdg.xml": "tests/symcli/test_inventory.py (check: symdg list ld)",
    "osvc-list_pd_mixed.symdg.xml": "tests/symcli/test_inventory.py (check: symdg list ld)",
    "om3-06-symdev_show_wwn.xml": "not run: symdev show -wwn (clonepilot lists by device id)",
    "om3-22-symdev_create_tdev.txt": "not run: clonepilot never creates devices",
    "osvc-list_pd_mixed.syminq.xml": "not run: syminq (host inquiry; clonepilot reads symdev)",
    "osvc-symsnapvx_list_docstring.xml": "not run: SnapVX is not driven (symsnapvx)",
    "jreypo-01-symdg_list.txt": "not run: symdg list",
    "jreypo-02-symdg_show.txt": "not run: symdg show (TimeFinder/Mirror group)",
    "notes-05-symdg_show_clonepg.txt": "not run: symdg show",
    "notes-06-symdg_show_clonegp_bcv.txt": "not run: symdg show",
    "evidence-lkone91-symdev-v-CLONE_Device-paths.txt": "test_clone_device_from_consumer_paths (paths)",
    "evidence-osvc-v1-symld-list-v-labels.txt": "not an output: labels of the deprecated symld list -v",
    "evidence-scripts-symclone-usage.txt": "not an output: command lines of public scripts",
}


def test_every_capture_is_accounted_for() -> None:
    assert sorted(COVERAGE) == real.names(), "add the new capture to COVERAGE with the test that reads it"
    for name in real.names():
        assert re.search(r"^# (?:SOURCE|id \d+)", real.path(name).read_text(), re.M), f"{name}: no source"


def _deanonymised(text: str) -> str:
    # The notes' author wrote SIDs as 000xxxxxx316; a real SymmID is 12 digits.
    return re.sub(r"000x{6}(\d{3})", r"000000000\1", text)


# --- symcfg list ------------------------------------------------------------------------------


def test_symcfg_list_text() -> None:
    (single,) = parse_symcfg_list(_deanonymised(real.body("notes-01-symcfg_list_single.txt")))
    assert (single.sid, single.attachment, single.model, single.mcode) == (
        "000000000815",
        "Local",
        "VMAX-1SE",
        "5875",
    )
    arrays = parse_symcfg_list(_deanonymised(real.body("notes-02-symcfg_list_multi.txt")))
    assert [(a.sid[-3:], a.attachment, a.model, a.mcode) for a in arrays] == [
        ("302", "Local", "DMX3-24", "5772"),
        ("963", "Local", "DMX4-6", "5773"),
        ("316", "Local", "VMAX-1", "5875"),
        ("098", "Local", "VMAX-1SE", "5876"),
        ("606", "Local", "DMX3-24", "5773"),
        ("218", "Remote", "VMAX-1", "5876"),
    ]


def test_symcfg_row_that_cannot_be_read_is_an_error_not_a_missing_array() -> None:
    # The capture as published (anonymised SID): the row is there, so it must not silently vanish.
    with pytest.raises(SymcliParseError, match="unexpected array row '000xxxxxx815 Local"):
        parse_symcfg_list(real.body("notes-01-symcfg_list_single.txt"))


def test_symcfg_list_xml() -> None:
    (array,) = parse_symcfg_list(real.body("om3-02-symcfg_list.xml"))
    assert (array.sid, array.attachment, array.model, array.mcode) == (
        "000297600001",
        "Local",
        "PowerMax_8000",
        "5978",
    )


# --- symclone query ---------------------------------------------------------------------------


def test_query_created_one_source() -> None:
    report = parse_clone_query(real.body("notes-04-symclone_query_dg_created_partial.txt"))
    assert (report.dg_name, report.dg_type, report.symid) == ("clonepg", "REGULAR", "000xxxxxx815")
    (pair,) = report.pairs
    assert (pair.src_logical, pair.src_sym, pair.tgt_logical, pair.tgt_sym) == (
        "DEV001",
        "0120",
        "DEV002",
        "0121",
    )
    assert (pair.protected_tracks, pair.src_modified_tracks, pair.tgt_modified_tracks) == (33000, 0, 0)
    assert (pair.flags, pair.state, pair.percent) == ("XXX.", CloneState.CREATED, 0)


def test_query_created_with_totals() -> None:
    report = parse_clone_query(real.body("notes-09-symclone_query_dg_created_totals.txt"))
    assert (report.dg_name, report.dg_type) == ("clonegp", "ANY")
    assert [(p.src_sym, p.tgt_logical, p.tgt_sym, p.state, p.percent) for p in report.pairs] == [
        ("0E28", "BCV001", "1E37", CloneState.CREATED, 0),
        ("0E29", "BCV002", "1E38", CloneState.CREATED, 0),
    ]
    assert report.totals is not None
    assert (report.totals.protected_tracks, report.totals.protected_mb) == (660000, 41250.0)


def test_query_copy_in_progress() -> None:
    report = parse_clone_query(real.body("notes-11-symclone_query_dg_copyinprog.txt"))
    assert [(p.state, p.percent, p.protected_tracks) for p in report.pairs] == [
        (CloneState.COPY_IN_PROG, 39, 198821),
        (CloneState.COPY_IN_PROG, 41, 191705),
    ]
    assert report.totals is not None and report.totals.protected_tracks == 390526


@pytest.mark.parametrize("exit_code", [0, 1])
def test_query_without_session(exit_code: int) -> None:
    """The text is real; its exit code and channel are not known, so both readings must hold."""
    text = real.body("notes-07-symclone_query_dg_no_session.txt")
    argv = ["/usr/symcli/bin/symclone", "-g", "clonegp", "query"]
    if exit_code == 0:
        report = parse_clone_query(text)
        assert report.pairs == ()
    else:
        error = classify(argv, exit_code, "", text)
        assert error is not None and error.kind is SymcliErrorKind.NO_SESSION


# --- control actions --------------------------------------------------------------------------

CONTROL = {
    "notes-03-symclone_create_dg_pair_prompt.txt": [
        "'Create' operation successfully executed for device 'DEV001' in group 'clonepg' paired with target "
        "device 'DEV002'."
    ],
    "notes-08-symclone_create_dg_verbose.txt": [
        "The Clone 'CREATE' operation SUCCEEDED.",
        "'Create' operation successfully executed for device group 'clonegp'.",
    ],
    "notes-10-symclone_activate_dg_prompt.txt": [
        "'Activate' operation successfully executed for device group 'clonegp'."
    ],
    "notes-12-symclone_terminate_dg_prompt.txt": [
        "'Terminate' operation successfully executed for device group 'clonegp'."
    ],
    "osvcdoc-01-symclone_recreate_dg.txt": [
        "'Recreate' operation successfully initiated for device 'DEV001' in group 'DGCVI' paired with target "
        "device 'CLONE001'."
    ],
    "osvcdoc-02-symclone_activate_dg.txt": [
        "'Activate' operation successfully executed for device 'DEV001' in group 'DGCVI' paired with target "
        "device 'CLONE001'."
    ],
}


@pytest.mark.parametrize("name", sorted(CONTROL))
@pytest.mark.parametrize("channel", ["stdout", "stderr"])
def test_control_messages(name: str, channel: str) -> None:
    text = real.body(name)
    out, err = (text, "") if channel == "stdout" else ("", text)
    assert list(control_success_lines(out, err)) == CONTROL[name]
    # Exit 0 with the messages on stderr is success (the seed's "command succesful but stderr").
    assert classify(["symclone"], 0, out, err) is None


# --- symdev list ------------------------------------------------------------------------------


def test_symdev_list_verbose() -> None:
    listing = parse_symdev_list(real.body("om3-08-symdev_list_v_rdfa.xml"))
    assert listing.symid == "000297600001"
    (device,) = listing.devices
    assert (device.dev_name, device.status, device.configuration) == ("00024", "Ready", "RDF1+TDEV")
    assert device.pd_name == "Not Visible" and not device.visible
    assert device.sessions == () and device.target_session is None


def test_symdev_list_short_record() -> None:
    (device,) = parse_symdev_list(real.body("om3-05-symdev_list.xml")).devices
    assert (device.dev_name, device.status, device.configuration) == ("00001", "Write Disabled", "TDEV")
    listing = parse_symdev_list(real.body("om3-11-symdev_list_identifier.xml"))
    assert [d.dev_name for d in listing.devices] == ["00024", "00025"]
    # A device id written at another width names the same device (0025 and 00025 on one array).
    assert listing.device("0025") is listing.devices[1]


def test_symdev_list_without_devices() -> None:
    listing = parse_symdev_list(real.body("om3-09-symdev_list_ficon.xml"))
    assert listing.symid == "000297600001" and listing.devices == ()


def test_symdev_flat_layout_is_refused() -> None:
    with pytest.raises(SymcliParseError, match="Dev_Info/dev_name"):
        parse_symdev_list(real.body("om3-07-symdev_list_wwn.xml"))


# --- CLONE_Device: no capture shows one; the real verbose record plus the consumer's paths -----

_CLONE = """      <CLONE_Device>
        <SRC><dev_name>{src}</dev_name></SRC>
        <TGT><dev_name>{tgt}</dev_name></TGT>
        <state>{state}</state>
        <last_action>Fri Dec  1 10:12:08 2023</last_action>
        <clone_state_flags><backgrnd_copy_state>Yes</backgrnd_copy_state>
          <differential_state>Yes</differential_state><vse>No</vse><vpsnap>No</vpsnap></clone_state_flags>
        {percent}
      </CLONE_Device>
"""


def _with_clones(*clones: str) -> str:
    text = real.body("om3-08-symdev_list_v_rdfa.xml")
    return text.replace("    </Device>", "".join(clones) + "    </Device>", 1)


def _clone(src: str, tgt: str, state: str, percent: str) -> str:
    return _CLONE.format(src=src, tgt=tgt, state=state, percent=percent)


@pytest.mark.parametrize(
    ("element", "expected"),
    [
        ("<percent_copied>42</percent_copied>", 42),
        ("<percent>42</percent>", 42),
        ("<percent_copied>42%</percent_copied>", 42),
        ("", None),
        ("<percent_copied>N/A</percent_copied>", None),
    ],
)
def test_clone_device_from_consumer_paths(element: str, expected: int | None) -> None:
    listing = parse_symdev_list(_with_clones(_clone("00012", "00024", "CopyInProg", element)))
    session = listing.devices[0].target_session
    assert session is not None
    assert (session.src, session.state, session.percent) == ("00012", CloneState.COPY_IN_PROG, expected)
    assert session.last_action is not None and session.last_action.day == 1


def test_several_clone_devices_pick_the_session_onto_this_device() -> None:
    # 00024 is the source of a session onto 00030 and, at another width, the target of 0012's.
    listing = parse_symdev_list(
        _with_clones(
            _clone("00024", "00030", "Copied", "<percent_copied>100</percent_copied>"),
            _clone("0012", "0024", "PreCopy", "<percent_copied>7</percent_copied>"),
        )
    )
    device = listing.device("024")
    assert device is not None and len(device.sessions) == 2
    session = device.target_session
    assert session is not None and (session.src, session.state, session.percent) == (
        "0012",
        CloneState.PRECOPY,
        7,
    )
