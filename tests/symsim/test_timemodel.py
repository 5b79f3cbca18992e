"""Copy progress: proportional to elapsed time, bandwidth shared by the array's copying pairs."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from symsim import model, timemodel
from tests.symsim.simkit import make_array, make_group, pair_state, set_speed, sym
from tests.symsim.test_symclone_cli import parse_query


def _array(tps: float, *pairs: tuple[str, float]) -> dict:
    """A bare array with pairs (state, protected tracks) of 1000 tracks each, last updated at t=0."""
    return {
        "tracks_per_sec": tps,
        "write_rate": 0.0,
        "updated": 0.0,
        "pairs": {
            str(i): {
                "src": f"s{i}",
                "tgt": str(i),
                "state": state,
                "total": 1000,
                "protected": protected,
                "src_mod": 0.0,
                "tgt_mod": 0.0,
                "precopied": False,
                "stall": None,
            }
            for i, (state, protected) in enumerate(pairs)
        },
    }


def test_progress_is_proportional_to_elapsed_time() -> None:
    array = _array(100.0, ("CopyInProg", 1000.0))
    timemodel.advance_array(array, 2.5, 1.0)
    assert array["pairs"]["0"]["protected"] == pytest.approx(750.0)
    assert model.pair_percent(array["pairs"]["0"]) == 25
    timemodel.advance_array(array, 10.0, 1.0)
    assert array["pairs"]["0"]["state"] == "Copied"
    assert model.pair_percent(array["pairs"]["0"]) == 100


def test_bandwidth_is_shared_and_freed_event_by_event() -> None:
    # Two copies of 1000 and 500 tracks at 100 tracks/s: both progress at 50/s until the small one
    # ends at t=10; the big one (500 left) then gets all 100/s and ends at t=15, not t=20.
    array = _array(100.0, ("CopyInProg", 1000.0), ("PreCopy", 500.0))
    timemodel.advance_array(array, 10.0, 1.0)
    assert array["pairs"]["0"]["protected"] == pytest.approx(500.0)
    assert array["pairs"]["1"]["protected"] == 0.0 and array["pairs"]["1"]["precopied"]
    timemodel.advance_array(array, 14.0, 1.0)
    assert array["pairs"]["0"]["protected"] == pytest.approx(100.0)
    assert array["pairs"]["0"]["state"] == "CopyInProg"
    timemodel.advance_array(array, 15.0, 1.0)
    assert array["pairs"]["0"]["state"] == "Copied"


def test_one_big_advance_equals_many_small_ones() -> None:
    many = _array(100.0, ("CopyInProg", 1000.0), ("RestInProg", 300.0), ("Created", 1000.0))
    once = _array(100.0, ("CopyInProg", 1000.0), ("RestInProg", 300.0), ("Created", 1000.0))
    for step in range(1, 131):
        timemodel.advance_array(many, step * 0.1, 1.0)
    timemodel.advance_array(once, 13.0, 1.0)
    for key in ("0", "1", "2"):
        assert many["pairs"][key]["protected"] == pytest.approx(once["pairs"][key]["protected"], abs=1e-6)
        assert many["pairs"][key]["state"] == once["pairs"][key]["state"]
    assert once["pairs"]["1"]["state"] == "Restored"
    assert once["pairs"]["2"]["protected"] == 1000.0  # not copying: no bandwidth used


def test_time_scale_multiplies_simulated_time_and_stall_caps_progress() -> None:
    array = _array(100.0, ("CopyInProg", 1000.0))
    array["pairs"]["0"]["stall"] = {"pct": 40}
    timemodel.advance_array(array, 1.0, 2.0)
    assert array["pairs"]["0"]["protected"] == pytest.approx(800.0)
    timemodel.advance_array(array, 100.0, 2.0)
    assert model.pair_percent(array["pairs"]["0"]) == 40
    assert array["pairs"]["0"]["state"] == "CopyInProg"


def test_source_writes_become_changed_tracks_for_recreate() -> None:
    array = _array(100.0, ("Copied", 0.0))
    array["write_rate"] = 3.0
    timemodel.advance_array(array, 10.0, 1.0)
    assert array["pairs"]["0"]["src_mod"] == pytest.approx(30.0)


def _copy_seconds(home: Path, pairs: list[tuple[str, str]]) -> float:
    """Wall time from activate until every given pair is Copied."""
    args = [a for src, tgt in pairs for a in (src, "sym", "ld", tgt)]
    assert sym("symclone", "-g", "dg", "-nop", "create", *args).code == 0
    start = time.time()
    assert sym("symclone", "-g", "dg", "-nop", "activate", *args).code == 0
    targets = {"TGT001": "00101", "TGT002": "00103"}
    while any(pair_state(home, targets[t])["state"] != "Copied" for _, t in pairs):
        time.sleep(0.02)
        assert time.time() - start < 10
    return time.time() - start


def test_two_copies_at_once_take_twice_as_long(symsim_home: Path) -> None:
    make_array(symsim_home)
    make_group("dg", [("00100", "00101"), ("00102", "00103")])
    set_speed(symsim_home, 8192 * 2)  # one 1 GB copy alone: 0.5 s
    alone = _copy_seconds(symsim_home, [("DEV001", "TGT001")])
    assert sym("symclone", "-g", "dg", "-nop", "terminate", "DEV001", "sym", "ld", "TGT001").code == 0
    both = _copy_seconds(symsim_home, [("DEV001", "TGT001"), ("DEV002", "TGT002")])
    assert 0.4 < alone < 0.8
    assert 1.6 < both / alone < 2.5, (alone, both)


def test_recreate_of_a_copied_differential_pair_copies_only_changed_tracks(symsim_home: Path) -> None:
    make_array(symsim_home)
    make_group("dg", [("00100", "00101")])
    set_speed(symsim_home, 1e9)
    assert sym("symclone", "-g", "dg", "-nop", "create", "-diff").code == 0
    assert sym("symclone", "-g", "dg", "-nop", "activate").code == 0
    set_speed(symsim_home, 1.0, write_rate=100.0)
    time.sleep(0.3)
    assert sym("symclone", "-g", "dg", "-nop", "recreate").code == 0
    pair = pair_state(symsim_home, "00101")
    assert pair["state"] == "Recreated"
    # About 100 tracks/s for ~0.3 s (plus the operation time) changed: far from the 8192 of a full copy.
    assert 20 < pair["protected"] < 200, pair["protected"]
    row = parse_query(sym("symclone", "-g", "dg", "query").out)[0]
    assert row["state"] == "Recreated"
    assert 97 <= int(row["pct"]) <= 99
