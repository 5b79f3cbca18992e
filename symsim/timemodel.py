"""Lazy, exact copy progress: each access advances every array from its last update to now.

An array's copy bandwidth (tracks per simulated second) is shared equally by all its pairs that are
copying; the advance walks from one completion (or stall) event to the next, so when one pair
finishes the others get a larger share from exactly that moment on.
"""

from __future__ import annotations

import math
from typing import Any

from symsim.model import ACTIVATED, COPYING, Array, Pair


def _goal(pair: Pair) -> float:
    """Protected-track count at which this pair stops: 0, or the stall point of a --stall-at fault."""
    stall = pair.get("stall")
    if stall is None:
        return 0.0
    # Whole tracks, rounded so that the displayed (floored) percent reaches exactly the stall point.
    return float(math.floor(pair["total"] * (100.0 - stall["pct"]) / 100.0 + 1e-9))


def _finish(pair: Pair) -> None:
    if pair["state"] == "CopyInProg":
        pair["state"] = "Copied"
    elif pair["state"] == "RestInProg":
        pair["state"] = "Restored"
    elif pair["state"] == "PreCopy":
        pair["precopied"] = True


def advance_array(array: Array, now: float, scale: float) -> None:
    start = array["updated"]
    if now <= start:
        return
    pairs: list[Pair] = list(array["pairs"].values())
    # Source writes since activate become changed tracks a differential recreate must copy again.
    written = array["write_rate"] * (now - start) * scale
    for pair in pairs:
        if pair["state"] in ACTIVATED:
            pair["src_mod"] = min(float(pair["total"]), pair["src_mod"] + written)
    bandwidth = array["tracks_per_sec"] * scale  # tracks per wall second, whole array
    t = start
    while t < now:
        active = [p for p in pairs if p["state"] in COPYING and p["protected"] > _goal(p) + 1e-9]
        if not active or bandwidth <= 0:
            break
        share = bandwidth / len(active)
        step = min(now - t, min((p["protected"] - _goal(p)) / share for p in active))
        for pair in active:
            pair["protected"] = max(_goal(pair), pair["protected"] - share * step)
        t += step
        for pair in active:
            if pair["protected"] <= _goal(pair) + 1e-6:
                pair["protected"] = _goal(pair)
                if pair["protected"] == 0.0:
                    _finish(pair)
    # Pairs that were already at zero when the advance began (e.g. a fault cleared) settle too.
    for pair in pairs:
        if pair["state"] in COPYING and pair["protected"] <= 0.0:
            pair["protected"] = 0.0
            _finish(pair)
    array["updated"] = now


def advance(state: dict[str, Any], now: float) -> None:
    for array in state["arrays"].values():
        advance_array(array, now, state["time_scale"])
