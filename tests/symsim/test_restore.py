"""The merge-back (OpenSVC's sync restore): restore, verify -restored polling, terminate -restored.

What each step does to pair states, copy progress, changed tracks and the devices' points in time,
the errors of the illegal cases, and both readings of what `terminate -restored` leaves (dialect
terminate_restored). See symsim/README.md "Restore" for the facts behind each behaviour.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from symsim import api, arrays, errors, model, statusview, store
from symsim.host_disks import LIVE, vg_disks
from tests.plugins.symsim import SymsimArray
from tests.symsim.simkit import FAST, SID, SLOW, drive, make_array, make_group, pair_state, set_dialect, sym

PAIRS = [("00100", "00101"), ("00102", "00103")]
SOURCES = [src for src, _ in PAIRS]
TARGETS = [tgt for _, tgt in PAIRS]
# 100 simulated seconds per wall second: OpenSVC's `-i 10` polls every 0.1 s.
SCALE = 100.0


def _speed(home: Path, *, tracks_per_sec: float | None = None, write_rate: float | None = None) -> None:
    with store.transaction(home) as state:
        arrays.set_speed(
            state,
            tracks_per_sec=tracks_per_sec,
            sid=None,
            time_scale=SCALE,
            write_rate=write_rate,
            op_time=None,
        )


def _pairs_file(home: Path) -> Path:
    path = home.parent / "pairs"
    path.write_text("".join(f"{src} {tgt}\n" for src, tgt in PAIRS))
    return path


def _clone(pairs: Path, *args: str) -> Any:
    """OpenSVC's form: `symclone -sid SID -f PAIRS ...`."""
    return sym("symclone", "-sid", SID, "-f", str(pairs), *args)


def _device(home: Path, dev: str) -> dict[str, Any]:
    (array,) = statusview.snapshot(home)["arrays"]
    (found,) = [d for d in array["devices"] if d["dev"] == dev]
    return found


def _host_pit(home: Path, dev: str) -> object:
    """The point in time symsim-host's volume-group code sees on a device (LIVE, epoch, or None)."""
    (disk,) = vg_disks(home, {"sid": SID, "devs": [dev], "pvs": {}})
    return disk.pit


@pytest.fixture
def copied(symsim_home: Path) -> tuple[Path, Path, float]:
    """Two differential pairs activated consistently and Copied; no source writes by the clock."""
    make_array(symsim_home)
    pairs = _pairs_file(symsim_home)
    _speed(symsim_home, tracks_per_sec=FAST, write_rate=0.0)
    assert _clone(pairs, "-noprompt", "create", "-differential").code == 0
    assert _clone(pairs, "-noprompt", "activate", "-consistent").code == 0
    assert _clone(pairs, "verify", "-copied", "-i", "1", "-c", "100").code == 0
    (pit,) = {pair_state(symsim_home, tgt)["pit"] for tgt in TARGETS}
    return symsim_home, pairs, pit


def _restore_slowly(home: Path, pairs: Path) -> None:
    """Changed tracks on both sides, then a restore that takes about a wall second."""
    assert set(api.host_write(home, SID, TARGETS, 300).values()) == {"tracked"}
    assert set(api.host_write(home, SID, SOURCES, 100).values()) == {"tracked"}
    # 4 tracks per simulated second = 400 per wall second, shared: 400 tracks per pair take ~2 s,
    # time enough to look at RestInProg on a busy machine.
    _speed(home, tracks_per_sec=4)
    result = _clone(pairs, "-noprompt", "restore")
    assert result.code == 0, result
    assert "'Restore' operation successfully initiated" in result.err


@pytest.mark.parametrize("create", [["-differential"], ["-differential", "-precopy"]])
def test_whole_merge_back_in_opensvc_order(symsim_home: Path, create: list[str]) -> None:
    make_array(symsim_home)
    home, pairs = symsim_home, _pairs_file(symsim_home)
    _speed(home, tracks_per_sec=FAST, write_rate=0.0)
    assert _clone(pairs, "-noprompt", "create", *create).code == 0
    assert _clone(pairs, "-noprompt", "activate", "-consistent").code == 0
    assert _clone(pairs, "verify", "-copied", "-i", "1", "-c", "100").code == 0
    (pit,) = {pair_state(home, tgt)["pit"] for tgt in TARGETS}
    assert [_host_pit(home, src) for src in SOURCES] == [LIVE, LIVE]

    _restore_slowly(home, pairs)
    for tgt in TARGETS:
        pair = pair_state(home, tgt)
        assert pair["state"] == "RestInProg"
        # Differential: only the 100 + 300 changed tracks come back, not the 8192 of the device.
        assert 0 < model.protected_tracks(pair) <= 400
        assert pair["src_mod"] == pair["tgt_mod"] == 0
    assert _clone(pairs, "verify", "-restinprog").code == 0
    assert _clone(pairs, "verify", "-restored").code == errors.NONE_RESTORED
    # The source holds no usable image while the copy back runs, and a host write there is lost.
    assert [_device(home, src)["pit"] for src in SOURCES] == [None, None]
    assert api.host_write(home, SID, ["00100"], 50) == {"00100": "lost"}
    assert [_device(home, tgt)["ready"] for tgt in TARGETS] == [False, False]

    result = _clone(pairs, "verify", "-restored", "-i", "10", "-c", "100")
    assert result.code == 0, result
    assert "are in 'Restored' state" in result.out
    for src, tgt in PAIRS:
        pair = pair_state(home, tgt)
        assert (pair["state"], model.pair_percent(pair), pair["pit"]) == ("Restored", 100, pit)
        device = _device(home, src)
        assert (device["pit"], device["restored_pit"], device["ready"]) == (pit, pit, True)
        assert _host_pit(home, src) == pit  # a clone image now, no longer live
    (array,) = statusview.snapshot(home)["arrays"]
    assert {p["tgt"]: p["lost_source_tracks"] for p in array["pairs"]} == {"00101": 50, "00103": 0}

    result = _clone(pairs, "-noprompt", "terminate", "-restored")
    assert result.code == 0, result
    assert "'Terminate' operation successfully executed" in result.err
    assert pair_state(home, "00101") is None and pair_state(home, "00103") is None
    for src, tgt in PAIRS:
        assert (_device(home, src)["pit"], _device(home, src)["role"]) == (pit, "none")
        # The target keeps the image it had (a complete session ended).
        assert (_device(home, tgt)["pit"], _device(home, tgt)["ready"]) == (pit, True)
    assert _clone(pairs, "verify", "-restored").code == errors.NONE_RESTORED
    # `symsim state` still lists the restored sources, with their image's time, not "live".
    text = statusview.render(statusview.snapshot(home))
    (row,) = [line for line in text.splitlines() if line.startswith("  00100  none")]
    assert "live" not in row and time.strftime("%H:%M:%S", time.localtime(pit)) in row


def test_verify_restored_counts_partial_and_gives_up_after_c_checks(copied: tuple[Path, Path, float]) -> None:
    home, pairs, _ = copied
    _restore_slowly(home, pairs)
    _speed(home, tracks_per_sec=SLOW)
    one = home.parent / "one"
    one.write_text("00100 00101\n")
    assert sym("symclone", "-sid", SID, "-f", str(one), "-noprompt", "terminate", "-symforce").code == 0
    # Only 00102 -> 00103 is left, still restoring: -c 3 checks three times, then answers NONE.
    result = _clone(pairs, "verify", "-restored", "-i", "1", "-c", "3")
    assert result.code == errors.NONE_RESTORED
    _speed(home, tracks_per_sec=FAST)
    only = home.parent / "only"
    only.write_text("00102 00103\n")
    assert sym("symclone", "-sid", SID, "-f", str(only), "verify", "-restored").code == 0
    # One of two pairs in the state: NOT_ALL (the removed pair is no session at all).
    assert _clone(pairs, "verify", "-restored").code == errors.NOT_ALL_RESTORED
    set_dialect(home, verify_codes="one")
    assert _clone(pairs, "verify", "-restored").code == errors.FAIL
    assert _clone(pairs, "verify", "-restinprog").code == errors.FAIL


def test_restore_with_no_changed_track_is_restored_at_once(copied: tuple[Path, Path, float]) -> None:
    home, pairs, pit = copied
    _speed(home, tracks_per_sec=SLOW)
    assert _clone(pairs, "-noprompt", "restore").code == 0
    assert _clone(pairs, "verify", "-restored").code == 0
    assert [_device(home, src)["pit"] for src in SOURCES] == [pit, pit]


def test_restore_copies_at_the_shared_array_rate(copied: tuple[Path, Path, float]) -> None:
    home, pairs, _ = copied
    api.host_write(home, SID, TARGETS, 4000)
    _speed(home, tracks_per_sec=SLOW)
    assert _clone(pairs, "-noprompt", "restore").code == 0
    before = [model.protected_tracks(pair_state(home, t)) for t in TARGETS]
    # One track per simulated second for the whole array, split between the two restoring pairs.
    _speed(home, tracks_per_sec=20)
    with store.transaction(home) as state:
        state["arrays"][SID]["updated"] -= 1.0  # one wall second = 100 simulated seconds = 2000 tracks
    after = [model.protected_tracks(pair_state(home, t)) for t in TARGETS]
    assert all(1000 <= b - a <= 1100 for b, a in zip(before, after, strict=True)), (before, after)


def test_restore_from_split(symsim_home: Path) -> None:
    make_array(symsim_home)
    make_group("dg", [("00100", "00101")])
    drive(symsim_home, "Split")
    pit = pair_state(symsim_home, "00101")["pit"]
    assert sym("symclone", "-g", "dg", "-nop", "restore", "DEV001", "sym", "ld", "TGT001").code == 0
    assert sym("symclone", "-g", "dg", "verify", "-restored", "-i", "1", "-c", "100").code == 0
    assert _device(symsim_home, "00100")["pit"] == pit


def test_terminate_restored_keep_variant_leaves_the_clone_session_copied(symsim_home: Path) -> None:
    make_array(symsim_home)
    make_group("dg", [("00100", "00101")])
    drive(symsim_home, "Restored")
    pit = pair_state(symsim_home, "00101")["pit"]
    set_dialect(symsim_home, terminate_restored="keep")
    pair = ["DEV001", "sym", "ld", "TGT001"]
    result = sym("symclone", "-g", "dg", "-nop", "terminate", "-restored", *pair)
    assert result.code == 0, result
    after = pair_state(symsim_home, "00101")
    assert (after["state"], after["pit"], model.protected_tracks(after), after["tgt_mod"]) == (
        "Copied",
        pit,
        0,
        0,
    )
    assert sym("symclone", "-g", "dg", "verify", "-copied").code == 0
    target, source = _device(symsim_home, "00101"), _device(symsim_home, "00100")
    assert (target["role"], target["ready"], target["pit"]) == ("target", True, pit)
    assert (source["role"], source["pit"]) == ("source", pit)
    # A second terminate -restored finds nothing restored; the session still recreates incrementally.
    again = sym("symclone", "-g", "dg", "-nop", "terminate", "-restored", *pair)
    assert again.code == errors.FAIL and "not in the appropriate pair state" in again.err
    assert sym("symclone", "-g", "dg", "-nop", "recreate", *pair).code == 0
    assert pair_state(symsim_home, "00101")["state"] == "Recreated"


@pytest.mark.parametrize(
    ("state", "code", "text"),
    [
        ("Created", errors.FAIL, "not in the appropriate pair state"),
        ("PreCopy", errors.FAIL, "not in the appropriate pair state"),
        ("Recreated", errors.FAIL, "not in the appropriate pair state"),
        ("CopyInProg", errors.NEED_FORCE, "without the -force flag"),
        ("CopyOnAccess", errors.NEED_FORCE, "without the -force flag"),
        ("RestInProg", errors.ALREADY_IN_STATE, "already in the requested state"),
        ("Restored", errors.ALREADY_IN_STATE, "already in the requested state"),
        ("none", errors.FAIL, "A Copy session has not been created"),
    ],
)
def test_restore_refused_in_state(symsim_home: Path, state: str, code: int, text: str) -> None:
    make_array(symsim_home)
    make_group("dg", [("00100", "00101")])
    drive(symsim_home, state)
    before = pair_state(symsim_home, "00101")
    source_pit = _device(symsim_home, "00100")["pit"]
    result = sym("symclone", "-g", "dg", "-nop", "restore", "DEV001", "sym", "ld", "TGT001")
    assert (result.code, result.out) == (code, "")
    assert text in result.err
    after = pair_state(symsim_home, "00101")
    if before is not None:
        assert (after["state"], after["pit"]) == (before["state"], before["pit"])
    if state not in ("RestInProg", "Restored"):
        assert _device(symsim_home, "00100")["restored_pit"] is None
    if state == "RestInProg":
        assert source_pit is None


def test_restore_of_a_non_differential_session_is_refused(symsim_home: Path) -> None:
    make_array(symsim_home)
    make_group("dg", [("00100", "00101")])
    drive(symsim_home, "Copied", diff=False)
    result = sym("symclone", "-g", "dg", "-nop", "restore", "DEV001", "sym", "ld", "TGT001")
    assert result.code == errors.FAIL
    assert errors.MSG_NOT_DIFF in result.err
    assert pair_state(symsim_home, "00101")["state"] == "Copied"
    assert _host_pit(symsim_home, "00100") == LIVE


def test_a_group_restore_is_all_or_nothing(copied: tuple[Path, Path, float]) -> None:
    home, pairs, _ = copied
    one = home.parent / "one"
    one.write_text("00102 00103\n")
    _speed(home, tracks_per_sec=SLOW)
    assert sym("symclone", "-sid", SID, "-f", str(one), "-noprompt", "recreate").code == 0
    result = _clone(pairs, "-noprompt", "restore")
    assert result.code == errors.FAIL and "not in the appropriate pair state" in result.err
    assert pair_state(home, "00101")["state"] == "Copied"
    assert _device(home, "00100")["restored_pit"] is None


@pytest.mark.parametrize("variant", ["end", "keep"])
@pytest.mark.parametrize("state", ["Copied", "Split", "CopyInProg", "RestInProg"])
def test_terminate_restored_needs_a_restored_pair(symsim_home: Path, variant: str, state: str) -> None:
    make_array(symsim_home)
    make_group("dg", [("00100", "00101")])
    drive(symsim_home, state)
    set_dialect(symsim_home, terminate_restored=variant)
    result = sym("symclone", "-g", "dg", "-nop", "terminate", "-restored", "DEV001", "sym", "ld", "TGT001")
    assert result.code == errors.FAIL
    assert errors.MSG_WRONG_STATE in result.err
    assert pair_state(symsim_home, "00101")["state"] == state


def test_plain_terminate_of_a_restore(symsim_home: Path) -> None:
    make_array(symsim_home)
    make_group("dg", [("00100", "00101")])
    pair = ["DEV001", "sym", "ld", "TGT001"]
    drive(symsim_home, "Restored")
    result = sym("symclone", "-g", "dg", "-nop", "terminate", *pair)
    assert result.code == errors.NEED_FORCE
    # Ending a restore half way leaves the source with no usable image.
    assert sym("symclone", "-g", "dg", "-nop", "terminate", "-symforce", *pair).code == 0
    drive(symsim_home, "RestInProg")
    assert sym("symclone", "-g", "dg", "-nop", "terminate", *pair).code == errors.NEED_SYMFORCE
    assert sym("symclone", "-g", "dg", "-nop", "terminate", "-symforce", *pair).code == 0
    assert _device(symsim_home, "00100")["pit"] is None
    assert _device(symsim_home, "00101")["pit"] is None


def test_host_writes(copied: tuple[Path, Path, float]) -> None:
    home, pairs, _ = copied
    assert api.host_write(home, SID, ["00101", "00100", "0010F"], 7) == {
        "00101": "tracked",
        "00100": "tracked",
        "0010F": "untracked",
    }
    assert (pair_state(home, "00101")["src_mod"], pair_state(home, "00101")["tgt_mod"]) == (7, 7)
    _speed(home, tracks_per_sec=SLOW)
    assert _clone(pairs, "-noprompt", "recreate").code == 0
    with pytest.raises(api.SymsimError, match="Not Ready"):
        api.host_write(home, SID, ["00100", "00101"], 1)


@pytest.mark.parametrize("variant", ["end", "keep"])
def test_merge_back_through_the_generated_executables(symsim_array: SymsimArray, variant: str) -> None:
    """The OpenSVC command lines, run as a host runs them, with the dialect set by `symsim dialect`."""
    arr = symsim_array
    pairs = arr.home.parent / "pairs"
    pairs.write_text("00100 00101\n00102 00103")
    arr.admin("speed", "--time-scale", str(SCALE), "--write-rate", "0")
    arr.admin("dialect", f"terminate_restored={variant}")
    assert json.loads(arr.admin("dialect", "--json").stdout)["terminate_restored"] == variant
    base = ["-sid", arr.sid, "-f", str(pairs)]

    def ok(*args: str) -> str:
        result = arr.run("symclone", *base, *args)
        assert result.returncode == 0, (args, result)
        return result.stdout + result.stderr

    ok("-noprompt", "create", "-differential", "-precopy")
    ok("-noprompt", "activate", "-consistent")
    ok("verify", "-copied", "-i", "10", "-c", "100")
    state = json.loads(arr.admin("state", "--json").stdout)
    (pit,) = {p["pit"] for p in state["arrays"][0]["pairs"]}
    written = arr.admin("write", "--sid", arr.sid, "--devs", "00101,00103", "--tracks", "500").stdout
    assert written.splitlines() == [
        "00101: 500 track(s) written, tracked",
        "00103: 500 track(s) written, tracked",
    ]
    ok("-noprompt", "restore")
    ok("verify", "-restored", "-i", "10", "-c", "100")
    ok("-noprompt", "terminate", "-restored")
    state = json.loads(arr.admin("state", "--json").stdout)
    (array,) = state["arrays"]
    devices = {d["dev"]: d for d in array["devices"]}
    assert [devices[src]["pit"] for src in SOURCES] == [pit, pit]
    if variant == "end":
        assert array["pairs"] == []
        assert [devices[tgt]["role"] for tgt in TARGETS] == ["none", "none"]
    else:
        assert [(p["state"], p["pit"]) for p in array["pairs"]] == [("Copied", pit), ("Copied", pit)]
        ok("verify", "-copied")
    # A second terminate -restored: nothing is Restored any more.
    again = arr.run("symclone", *base, "-noprompt", "terminate", "-restored")
    assert again.returncode == errors.FAIL
    refused = arr.admin("write", "--sid", arr.sid, "--devs", "001FF", check=False)
    assert refused.returncode == 1 and "not found" in refused.stderr
