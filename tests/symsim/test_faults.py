"""Injected faults: each error condition, --times, --delay, --stall-at, and faults on every tool."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from symsim import admin, errors
from tests.symsim.simkit import FAST, SLOW, make_array, make_group, pair_state, set_speed, sym

PAIR = ["DEV001", "sym", "ld", "TGT001"]


@pytest.fixture
def created(symsim_home: Path) -> Path:
    make_array(symsim_home)
    make_group("dg", [("00100", "00101")])
    set_speed(symsim_home, SLOW)
    assert sym("symclone", "-g", "dg", "-nop", "create", "-diff", *PAIR).code == 0
    return symsim_home


def fault(*args: str) -> None:
    assert admin.main(["fault", *args]) == 0


@pytest.mark.parametrize(
    ("error", "code", "text"),
    [
        ("lock", errors.SYM_IS_LOCKED, "locked by another process"),
        ("not-ready", errors.FAIL, "Not Ready"),
        ("wrong-state", errors.FAIL, "not in the appropriate pair state"),
        ("unreachable", errors.FAIL, "not reachable"),
        ("pair-invalid", errors.FAIL, "not the same size"),
    ],
)
def test_each_error_fails_the_action_and_changes_nothing(
    created: Path, error: str, code: int, text: str
) -> None:
    fault("add", "symclone:activate", error)
    result = sym("symclone", "-g", "dg", "-nop", "activate", *PAIR)
    assert (result.code, text in result.err) == (code, True), result
    assert pair_state(created, "00101")["state"] == "Created"
    # Other actions of the same command are not affected.
    assert sym("symclone", "-g", "dg", "query").code == 0
    fault("clear")
    assert sym("symclone", "-g", "dg", "-nop", "activate", *PAIR).code == 0


def test_times_makes_a_fault_disappear(created: Path) -> None:
    fault("add", "symclone", "unreachable", "--times", "2")
    assert sym("symclone", "-g", "dg", "query").code == errors.FAIL
    assert sym("symclone", "-g", "dg", "verify").code == errors.FAIL
    assert sym("symclone", "-g", "dg", "query").code == 0


def test_lock_fault_is_retried_by_i_and_c(created: Path) -> None:
    fault("add", "symclone:activate", "lock", "--times", "2")
    assert (
        sym("symclone", "-g", "dg", "-nop", "activate", "-i", "0", "-c", "2", *PAIR).code
        == errors.SYM_IS_LOCKED
    )
    fault("add", "symclone:activate", "lock", "--times", "2")
    assert sym("symclone", "-g", "dg", "-nop", "activate", "-i", "0", "-c", "3", *PAIR).code == 0
    assert pair_state(created, "00101")["state"] == "CopyInProg"


def test_delay_is_scaled_simulated_time(created: Path) -> None:
    fault("add", "symclone:query", "none", "--delay", "0.4")
    start = time.time()
    assert sym("symclone", "-g", "dg", "query").code == 0
    assert 0.4 <= time.time() - start < 1.5
    assert admin.main(["speed", "--time-scale", "4"]) == 0
    start = time.time()
    assert sym("symclone", "-g", "dg", "query").code == 0
    assert 0.1 <= time.time() - start < 0.35


def test_stall_at_holds_the_copy_until_cleared(created: Path) -> None:
    fault("add", "symclone:activate", "none", "--stall-at", "30")
    set_speed(created, FAST)
    assert sym("symclone", "-g", "dg", "-nop", "activate", *PAIR).code == 0
    time.sleep(0.05)
    pair = pair_state(created, "00101")
    assert pair["state"] == "CopyInProg"
    from symsim.model import pair_percent

    assert pair_percent(pair) == 30
    assert sym("symclone", "-g", "dg", "verify", "-copied", "-i", "0", "-c", "3").code != 0
    fault("clear")
    assert pair_state(created, "00101")["state"] == "Copied"


@pytest.mark.parametrize(
    ("target", "argv"),
    [
        ("symdev:list", ["symdev", "-sid", "123", "list", "-output", "xml_e"]),
        ("symdev", ["symdev", "-sid", "123", "show", "100"]),
        ("symdg:create", ["symdg", "create", "other"]),
        ("symld:add", ["symld", "-g", "dg", "add", "dev", "00102"]),
        ("symcfg:list", ["symcfg", "list"]),
    ],
)
def test_faults_on_the_other_tools(created: Path, target: str, argv: list[str]) -> None:
    fault("add", target, "unreachable", "--times", "1")
    assert sym(*argv).code == errors.FAIL
    assert sym(*argv).code == 0


def test_fault_add_validates(created: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert admin.main(["fault", "add", "symfoo", "lock"]) == errors.FAIL
    assert "unknown command" in capsys.readouterr().err
    assert admin.main(["fault", "add", "symclone", "lock", "--stall-at", "100"]) == errors.FAIL
    fault("add", "symclone:recreate", "lock", "--times", "3", "--delay", "2")
    capsys.readouterr()
    fault("list")
    listed = capsys.readouterr().out
    assert "symclone:recreate" in listed and "lock" in listed
