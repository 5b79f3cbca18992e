"""Every clone action from every pair state (reference §2.2).

Each gives either the new state or the real error and exit code.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from symsim import errors
from tests.symsim.simkit import SLOW, drive, make_array, make_group, pair_state, set_speed, sym

STATES = [
    "none",
    "Created",
    "PreCopy",
    "Recreated",
    "CopyInProg",
    "CopyOnAccess",
    "Copied",
    "RestInProg",
    "Restored",
    "Split",
]
ACTIONS = ["create", "recreate", "activate", "restore", "split", "terminate"]
WRONG, NO_SESSION = "wrong", "nosession"
# Expected outcome: a resulting pair state ("none" after terminate), or the kind of error.
TABLE: dict[str, dict[str, str | int]] = {
    "none": dict.fromkeys(ACTIONS[1:], NO_SESSION) | {"create": "Created"},
    "Created": {"create": 18, "recreate": WRONG, "activate": "CopyInProg", "restore": WRONG, "split": WRONG},
    "PreCopy": {
        "create": WRONG,
        "recreate": WRONG,
        "activate": "CopyInProg",
        "restore": WRONG,
        "split": WRONG,
    },
    "Recreated": {
        "create": WRONG,
        "recreate": 18,
        "activate": "CopyInProg",
        "restore": WRONG,
        "split": WRONG,
    },
    "CopyInProg": {"create": WRONG, "recreate": WRONG, "activate": 18, "restore": 22, "split": 22},
    "CopyOnAccess": {"create": WRONG, "recreate": "Recreated", "activate": 18, "restore": 22, "split": WRONG},
    "Copied": {
        "create": WRONG,
        "recreate": "Recreated",
        "activate": 18,
        "restore": "RestInProg",
        "split": "Split",
    },
    "RestInProg": {"create": WRONG, "recreate": WRONG, "activate": WRONG, "restore": 18, "split": WRONG},
    "Restored": {"create": WRONG, "recreate": WRONG, "activate": WRONG, "restore": 18, "split": "Split"},
    "Split": {
        "create": WRONG,
        "recreate": "Recreated",
        "activate": WRONG,
        "restore": "RestInProg",
        "split": 18,
    },
}
for _state in STATES[1:]:
    TABLE[_state].setdefault("terminate", "none")
TABLE["RestInProg"]["terminate"] = errors.NEED_SYMFORCE
TABLE["Restored"]["terminate"] = errors.NEED_FORCE


@pytest.fixture
def dg(symsim_home: Path) -> Path:
    make_array(symsim_home)
    make_group("dg", [("00100", "00101")])
    return symsim_home


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("start", STATES)
def test_transition(dg: Path, start: str, action: str) -> None:
    drive(dg, start)
    assert (pair_state(dg, "00101") or {"state": "none"})["state"] == start
    # The copies must not finish under the test's feet: CopyInProg/RestInProg should stay put.
    set_speed(dg, SLOW)
    before = pair_state(dg, "00101")
    result = sym("symclone", "-g", "dg", "-nop", action, "-diff", "DEV001", "sym", "ld", "TGT001")
    expected = TABLE[start][action]
    after = pair_state(dg, "00101")
    if isinstance(expected, str) and expected not in (WRONG, NO_SESSION):
        assert result.code == 0, result
        assert (after or {"state": "none"})["state"] == expected
        assert "successfully" in result.err and result.out == ""
        return
    code = {WRONG: errors.FAIL, NO_SESSION: errors.FAIL}.get(expected, expected)  # type: ignore[arg-type]
    assert result.code == code, result
    if expected == NO_SESSION:
        assert "A Copy session has not been created for the specified device" in result.err
    elif expected == WRONG:
        assert "not in the appropriate pair state" in result.err
    elif expected == errors.ALREADY_IN_STATE:
        assert "already in the requested state" in result.err
    # A refused action changes nothing, and leaves no device lock behind.
    if before is not None:
        assert after is not None and after["state"] == before["state"]
        assert after["pit"] == before["pit"]
    assert sym("symclone", "-g", "dg", "-nop", "query").code in (0, 1)


@pytest.mark.parametrize(
    ("start", "action", "flag", "result_state"),
    [
        ("CopyInProg", "restore", "-force", "RestInProg"),
        ("CopyInProg", "split", "-force", "Split"),
        ("RestInProg", "terminate", "-symforce", "none"),
        ("Restored", "terminate", "-restored", "none"),
        ("Restored", "terminate", "-force", "none"),
        ("Copied", "recreate", "-precopy", "PreCopy"),
        ("PreCopy", "activate", "-consistent", "CopyInProg"),
    ],
)
def test_force_and_option_variants(dg: Path, start: str, action: str, flag: str, result_state: str) -> None:
    drive(dg, start)
    set_speed(dg, SLOW)
    result = sym("symclone", "-g", "dg", "-nop", action, flag, "DEV001", "sym", "ld", "TGT001")
    assert result.code == 0, result
    assert (pair_state(dg, "00101") or {"state": "none"})["state"] == result_state


@pytest.mark.parametrize("action", ["recreate", "restore"])
def test_recreate_and_restore_need_a_differential_session(dg: Path, action: str) -> None:
    drive(dg, "Copied", diff=False)
    result = sym("symclone", "-g", "dg", "-nop", action, "DEV001", "sym", "ld", "TGT001")
    assert result.code == errors.FAIL
    assert "-differential" in result.err
    assert pair_state(dg, "00101")["state"] == "Copied"


def test_terminate_restored_on_a_copied_pair_is_refused(dg: Path) -> None:
    drive(dg, "Copied")
    result = sym("symclone", "-g", "dg", "-nop", "terminate", "-restored", "DEV001", "sym", "ld", "TGT001")
    assert result.code == errors.FAIL
    assert pair_state(dg, "00101")["state"] == "Copied"


def test_target_not_ready_until_activate(dg: Path) -> None:
    from symsim.api import device_views

    for state, ready in [("Created", False), ("PreCopy", False), ("CopyInProg", True), ("Recreated", False)]:
        drive(dg, "none")
        sym("symclone", "-g", "dg", "-nop", "terminate", "-symforce", "DEV001", "sym", "ld", "TGT001")
        drive(dg, state)
        src, tgt = device_views(dg, "123", ["100", "101"])
        assert (src.role, src.ready) == ("source", True)
        assert (tgt.role, tgt.ready) == ("target", ready), state
        assert (tgt.pit is None) == (not ready), state
        sym("symclone", "-g", "dg", "-nop", "terminate", "-symforce", "DEV001", "sym", "ld", "TGT001")
