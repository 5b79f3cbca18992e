"""Injected faults: `symsim fault add COMMAND[:ACTION] ERROR [--times N] [--delay S] [--stall-at PCT]`."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from symsim import dialect, errors, store
from symsim.errors import SymError

TOOLS = ("symclone", "symdev", "symdg", "symld", "symcfg")
# CLI name -> the real error condition of the reference it reproduces.
ERRORS = ("lock", "not-ready", "wrong-state", "unreachable", "pair-invalid", "none")


def make_error(kind: str, sid: str, devs: list[str], lock_exit: int = errors.SYM_IS_LOCKED) -> SymError:
    first = devs[0] if devs else "?"
    if kind == "lock":
        return SymError(errors.MSG_LOCKED.format(devs=", ".join(devs) or sid), lock_exit)
    if kind == "not-ready":
        return SymError(errors.MSG_NOT_READY.format(dev=first))
    if kind == "wrong-state":
        return SymError(errors.MSG_WRONG_STATE)
    if kind == "unreachable":
        return SymError(errors.MSG_UNREACHABLE.format(sid=sid))
    if kind == "pair-invalid":
        return SymError(errors.MSG_PAIR_INVALID)
    raise ValueError(kind)


def add(
    state: dict[str, Any],
    target: str,
    error: str,
    times: int | None,
    delay: float,
    stall_at: float | None,
) -> dict[str, Any]:
    tool, _, action = target.partition(":")
    tool = tool.lower()
    if tool not in TOOLS:
        raise SymError(f"symsim: unknown command '{tool}' (one of {', '.join(TOOLS)})")
    if error not in ERRORS:
        raise SymError(f"symsim: unknown error '{error}' (one of {', '.join(ERRORS)})")
    if times is not None and times < 1:
        raise SymError("symsim: --times must be at least 1")
    if stall_at is not None and not 0 <= stall_at < 100:
        raise SymError("symsim: --stall-at must be in [0, 100)")
    if delay < 0:
        raise SymError("symsim: --delay must not be negative")
    fault = {
        "id": state["next_fault_id"],
        "tool": tool,
        "action": action.lower() or None,
        "error": error,
        "times": times,
        "delay": delay,
        "stall_at": stall_at,
        "fired": 0,
    }
    state["next_fault_id"] += 1
    state["faults"].append(fault)
    return fault


def clear(state: dict[str, Any]) -> None:
    state["faults"] = []
    # Stalls last until the faults are cleared, even when their --times ran out.
    for array in state["arrays"].values():
        for pair in array["pairs"].values():
            pair["stall"] = None


def _matching(state: dict[str, Any], tool: str, action: str) -> list[dict[str, Any]]:
    return [f for f in state["faults"] if f["tool"] == tool and f["action"] in (None, action)]


def _consume(state: dict[str, Any], fault: dict[str, Any]) -> None:
    fault["fired"] += 1
    if fault["times"] is not None:
        fault["times"] -= 1
        if fault["times"] <= 0:
            state["faults"] = [f for f in state["faults"] if f["id"] != fault["id"]]


@dataclass
class Firing:
    stall_at: float | None = None


def fire(home: Path, tool: str, action: str, sid: str, devs: list[str], *, lock_loop: bool) -> Firing:
    """Apply the faults matching this call: wait their delay, raise their error, report a stall.

    With lock_loop the caller retries lock faults itself (see lock_fault_fires), as -i/-c do.
    """
    with store.transaction(home) as state:
        scale = state["time_scale"]
        found = _matching(state, tool, action)
        delay = sum(f["delay"] for f in found)
        stall = max((f["stall_at"] for f in found if f["stall_at"] is not None), default=None)
        failure: SymError | None = None
        for fault in found:
            if fault["error"] == "lock" and lock_loop:
                continue
            if fault["error"] != "none" and failure is None:
                failure = make_error(fault["error"], sid, devs, lock_exit(state))
            _consume(state, fault)
    if delay > 0:
        time.sleep(delay / scale)
    if failure is not None:
        raise failure
    return Firing(stall_at=stall)


def lock_exit(state: dict[str, Any]) -> int:
    """The exit code of a held device lock: never seen on a real array, so a dialect."""
    return int(dialect.get(state, "lock_exit"))


def lock_fault_fires(state: dict[str, Any], tool: str, action: str) -> bool:
    """One lock attempt against an injected 'lock' fault: True (and one --times used) if it holds."""
    for fault in _matching(state, tool, action):
        if fault["error"] == "lock":
            _consume(state, fault)
            return True
    return False
