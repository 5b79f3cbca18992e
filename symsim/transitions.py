"""The clone pair state machine of the reference §2.2: which action is legal in which state, and what it does.

check() raises the real error for an illegal action and changes nothing, so a multi-pair action can
check every pair first and then apply() all of them: SYMCLI never half-applies a group action.

Restore (README "Restore"): copies back only the tracks changed since activate, and gives the source
the target's point in time. What `terminate -restored` leaves is not known: the reference's table
ends the session ([sure] that it ends the restore, from OpenSVC's use); SnapVX's `terminate
-restored` ends only the restore relationship and keeps the snapshot, and Fujitsu's SHC-OSD guide
(bs2manuals.ts.fujitsu.com, "Reconstructing the unit for Symmetrix/VMAX3") puts a RESTORED clone
session back to use (SPLIT, or RECREATED/PRECOPY) instead of cancelling it. Both are playable: dialect
terminate_restored=end (default) or keep (end_restore(): back to Copied, same point in time).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from symsim import errors
from symsim.errors import SymError
from symsim.model import ACTIVATED, Array, Pair

# States of a session whose target may itself be the source of a new (cascaded) session.
CASCADE_FROM = frozenset({"Copied", "Split"})


@dataclass(frozen=True)
class Options:
    precopy: bool = False
    nocopy: bool = False
    differential: bool = False
    force: bool = False
    symforce: bool = False
    restored: bool = False
    consistent: bool = False
    copy: bool = False
    # Dialect terminate_copyinprog=force: newer SE releases may refuse to end an unfinished copy.
    terminate_needs_force: bool = False
    # Dialect terminate_restored=keep: terminate -restored ends only the restore, the clone session
    # (and its differential tracking) stays, back in Copied.
    keep_restored_session: bool = False


def _wrong() -> SymError:
    return SymError(errors.MSG_WRONG_STATE)


def _already() -> SymError:
    return SymError(errors.MSG_ALREADY, errors.ALREADY_IN_STATE)


def _no_session() -> SymError:
    return SymError(errors.MSG_NO_SESSION)


def check_create(array: Array, src: str, tgt: str, opts: Options) -> None:
    if src == tgt:
        raise SymError(errors.MSG_PAIR_INVALID)
    if array["devices"][src]["tracks"] != array["devices"][tgt]["tracks"]:
        raise SymError(errors.MSG_PAIR_INVALID)
    existing = array["pairs"].get(tgt)
    if existing is not None:
        wanted = "PreCopy" if opts.precopy else "Created"
        if existing["src"] == src and existing["state"] == wanted:
            raise _already()
        raise _wrong()
    # Cascading (A -> B -> C) needs a complete image on B; a source never becomes a target.
    feeding = array["pairs"].get(src)
    if feeding is not None and feeding["state"] not in CASCADE_FROM:
        raise _wrong()
    if any(p["src"] == tgt for p in array["pairs"].values()):
        raise _wrong()


def check(action: str, pair: Pair | None, opts: Options) -> None:
    """Raise the error a real array gives for `action` on a pair in its current state."""
    if pair is None:
        raise _no_session()
    state = pair["state"]
    if action == "recreate":
        if state == ("PreCopy" if opts.precopy else "Recreated"):
            raise _already()
        if state not in ("Copied", "CopyOnAccess", "Split"):
            raise _wrong()
        if not pair["diff"]:
            raise SymError(errors.MSG_NOT_DIFF)
    elif action == "activate":
        if state in ACTIVATED - {"Split"}:
            raise _already()
        if state not in ("Created", "Recreated", "PreCopy"):
            raise _wrong()
    elif action == "restore":
        if state in ("RestInProg", "Restored"):
            raise _already()
        if state in ("CopyInProg", "CopyOnAccess") and not (opts.force or opts.symforce):
            raise SymError(errors.MSG_NEED_FORCE, errors.NEED_FORCE)
        if state not in ("Copied", "Split", "CopyInProg", "CopyOnAccess"):
            raise _wrong()
        if not pair["diff"]:
            raise SymError(errors.MSG_NOT_DIFF)
    elif action == "split":
        if state == "Split":
            raise _already()
        if state == "CopyInProg" and not (opts.force or opts.symforce):
            raise SymError(errors.MSG_NEED_FORCE, errors.NEED_FORCE)
        if state not in ("Restored", "Copied", "CopyInProg"):
            raise _wrong()
    elif action == "terminate":
        unfinished = state in ("CopyInProg", "CopyOnAccess")
        if unfinished and opts.terminate_needs_force and not (opts.force or opts.symforce):
            raise SymError(errors.MSG_NEED_FORCE, errors.NEED_FORCE)
        if opts.restored and state != "Restored":
            raise _wrong()
        if state == "Restored" and not (opts.restored or opts.force or opts.symforce):
            raise SymError(errors.MSG_NEED_FORCE, errors.NEED_FORCE)
        if state == "RestInProg" and not opts.symforce:
            raise SymError(errors.MSG_NEED_SYMFORCE, errors.NEED_SYMFORCE)
    else:
        raise ValueError(action)


def new_pair(
    array: Array,
    src: str,
    tgt: str,
    opts: Options,
    now: float,
    *,
    copy_default: bool,
    diff_default: bool = False,
) -> Pair:
    total = array["devices"][src]["tracks"]
    return {
        "src": src,
        "tgt": tgt,
        "state": "PreCopy" if opts.precopy else "Created",
        "diff": opts.differential or diff_default,
        # Background copy after activate: -precopy and -copy imply it, -nocopy turns it off.
        "copy": opts.precopy or opts.copy or (copy_default and not opts.nocopy),
        "total": total,
        "protected": float(total),
        "src_mod": 0.0,
        "tgt_mod": 0.0,
        "pit": None,
        "precopied": False,
        "stall": None,
        "last_action": now,
    }


def apply(action: str, array: Array, pair: Pair, opts: Options, when: float) -> None:
    """Move a checked pair to its new state; `when` is the wall time the action took effect."""
    pair["last_action"] = when
    state = pair["state"]
    if action == "recreate":
        # Only the tracks changed since the last activate (plus any never copied) are copied again.
        pair["protected"] = min(float(pair["total"]), pair["protected"] + pair["src_mod"] + pair["tgt_mod"])
        pair["src_mod"] = pair["tgt_mod"] = 0.0
        pair["state"] = "PreCopy" if opts.precopy else "Recreated"
        pair["precopied"] = False
        if opts.precopy:
            pair["copy"] = True
        pair["pit"] = None
    elif action == "activate":
        pair["pit"] = when
        pair["src_mod"] = pair["tgt_mod"] = 0.0
        if state == "PreCopy" or pair["copy"]:
            pair["state"] = "CopyInProg" if pair["protected"] > 0 else "Copied"
        else:
            pair["state"] = "CopyOnAccess"
    elif action == "restore":
        # Differential: only the tracks changed on either side since activate are copied back. Which
        # tracks they are is not modelled, so the two sets are taken as disjoint (an upper bound).
        # A forced restore of an unfinished copy drops the tracks never copied to the target: those
        # still match the source's image, so nothing needs to come back for them.
        pair["protected"] = min(float(pair["total"]), pair["src_mod"] + pair["tgt_mod"])
        pair["src_mod"] = pair["tgt_mod"] = 0.0
        pair["src_lost"] = 0.0
        pair["state"] = "RestInProg" if pair["protected"] > 0 else "Restored"
        # What the source will hold once the copy back is done (model.device_pit hides it until then).
        array["devices"][pair["src"]]["restored"] = {"pit": pair["pit"], "at": when}
    elif action == "split":
        pair["state"] = "Split"
    else:
        raise ValueError(action)


def terminate(array: Array, pair: Pair) -> None:
    """End the session; the target keeps its image only if it was complete."""
    device: dict[str, Any] = array["devices"][pair["tgt"]]
    complete = pair["state"] in ("Copied", "Split") or (pair["state"] == "Restored")
    device["frozen"] = True
    device["pit"] = pair["pit"] if complete else None
    # A restored-then-targeted device now holds this session's image, not the one it was restored to.
    device.pop("restored", None)
    if pair["state"] == "RestInProg":
        # terminate -symforce of a running restore: the source is left half old, half restored.
        array["devices"][pair["src"]]["restored"] = {"pit": None, "at": pair["last_action"]}
    del array["pairs"][pair["tgt"]]


def end_restore(pair: Pair, when: float) -> None:
    """terminate -restored with the session kept (dialect terminate_restored=keep).

    Source and target now hold the same image, so the pair is Copied again at the target's point in
    time with no changed tracks: a later recreate copies only what changes from now on.
    """
    pair["state"] = "Copied"
    pair["protected"] = 0.0
    pair["src_mod"] = pair["tgt_mod"] = 0.0
    pair["last_action"] = when
