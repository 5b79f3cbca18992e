"""What a refresh's checkpoint depends on, read back before a rerun trusts it.

A checkpoint says which stages completed; it is only worth something while the world is still the
one those stages left. Recorded with it, and compared on a rerun:

* the service's parsed configuration (a digest): another service file is another refresh;
* per clone set, after each of its sync stages, the array and every pair's state and last action
  time as the array reads them (the activate or recreate moment: the array changes it on every
  control action and on nothing else). The percent copied is left out: a copy moves on its own;
* the host resources a skipped start (or stop) stage left up (or down), re-read with their status
  commands when the rerun comes to them.

The comparison allows what the array does by itself (CopyInProg becomes Copied, the time kept) and
what the interrupted stage may have done before it died (an activate sent, not recorded yet);
anything else (a pair recreated or activated by hand, a re-initialised array, no session any more)
means the stages are not this world's, and the refresh starts over.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from clonepilot.config.models import Service, SymcloneSync
from clonepilot.engine.clones import clone_set
from clonepilot.engine.clones_model import CloneSnapshot
from clonepilot.engine.clones_read import last_actions, read_pairs
from clonepilot.engine.context import RunContext
from clonepilot.engine.depends import read_status
from clonepilot.engine.resource import ResourceActionResult
from clonepilot.engine.status import Status
from clonepilot.errors import ClonepilotError

# The sync steps after which the checkpoint records its clone sets as the array shows them.
RECORDED_STEPS = frozenset({"recreate", "wait_activable", "activate", "wait_copied"})
# State changes the array makes without any control action (the last action time stays).
_BY_ITSELF: dict[str, frozenset[str]] = {
    "CreateInProg": frozenset({"Created", "PreCopy"}),
    "CopyInProg": frozenset({"Copied"}),
    "RestInProg": frozenset({"Restored"}),
    "SplitInProg": frozenset({"Split"}),
}
# States the interrupted stage's own step may have left its clone sets in, at any time.
_BY_STEP: dict[str, frozenset[str]] = {
    "recreate": frozenset({"PreCopy", "Recreated"}),
    "activate": frozenset({"CopyInProg", "Copied", "CopyOnAccess"}),
}
_VERB = {
    "Copied": "activated",
    "CopyInProg": "activated",
    "CopyOnAccess": "activated",
    "CopyOnWrite": "activated",
    "Recreated": "recreated",
    "Created": "created",
}

Pair = tuple[str, str, str, str | None]  # source, target, state name, last action (ISO, array's clock)


def config_digest(service: Service) -> str:
    """A digest of the service's parsed configuration (not its path: the same file moved is the same)."""

    def plain(value: object) -> object:
        if isinstance(value, set | frozenset):
            return sorted(value, key=str)  # a set's order differs between processes
        return str(value)

    text = json.dumps(service.model_dump(exclude={"path"}), sort_keys=True, default=plain)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# --- clone sets ---------------------------------------------------------------------------------


def _pairs(snapshot: CloneSnapshot, stamps: dict[str, datetime | None] | None = None) -> list[Pair]:
    rows: list[Pair] = []
    for pair in snapshot.pairs:
        when = stamps.get(pair.tgt) if stamps is not None else pair.last_action
        rows.append((pair.src, pair.tgt, pair.state_name, when.isoformat() if when else None))
    return sorted(rows)


def read_clone_set(
    ctx: RunContext, resource: SymcloneSync, *, stage: str, since: float | None = None
) -> dict[str, Any]:
    """The clone set as the array shows it now, as a checkpoint records it (small, JSON).

    A wait's last poll (taken after `since`) is used as it is: it is the state the wait ended on,
    and the array form's read holds the last action time. The device-group query has no time:
    one `symdev list` of its targets gives it. An unreadable array is recorded as such.
    """
    try:
        cached = clone_set(ctx, resource).last_read
        if (
            cached is not None
            and since is not None
            and cached.taken_at >= since
            and not resource.uses_device_group
        ):
            return {"symid": resource.symid, "pairs": _pairs(cached)}
        raw = read_pairs(ctx, resource, stage=stage, log_level=logging.DEBUG)
        if not resource.uses_device_group:
            return {"symid": resource.symid, "pairs": _pairs(raw.snapshot)}
        stamps = last_actions(ctx, raw, rid=resource.rid, stage=stage)
        return {"symid": raw.symid, "pairs": _pairs(raw.snapshot, stamps)}
    except ClonepilotError as exc:
        return {"error": " ".join(str(exc).split())}


def _describe(state: str, when: str | None) -> str:
    if when is None:
        return state
    moment = datetime.fromisoformat(when)
    shown = moment.strftime("%H:%M:%S" if moment.date() == datetime.now().date() else "%Y-%m-%d %H:%M:%S")
    verb = _VERB.get(state)
    return f"{state}/{verb} {shown}" if verb else f"{state} (last action {shown})"


def _summary(rows: Sequence[Pair]) -> str:
    """`Copied/activated 07:02:11`, or per pair when they differ, for the start-over line."""
    groups: dict[str, list[str]] = {}
    for src, tgt, state, when in rows:
        groups.setdefault(_describe(state, when), []).append(f"{src}:{tgt}")
    if len(groups) == 1:
        return next(iter(groups))
    return ", ".join(f"{' '.join(keys)} {what}" for what, keys in groups.items())


def _held(then: Pair, now: Pair, step: str | None) -> bool:
    """Whether `now` follows from `then` with no action other than the interrupted stage's `step`."""
    if now[2] == then[2] and now[3] == then[3]:
        return True
    if now[3] == then[3] and now[2] in _BY_ITSELF.get(then[2], ()):
        return True
    return step is not None and now[2] in _BY_STEP.get(step, ())


def clone_set_differences(
    rid: str, recorded: dict[str, Any], now: dict[str, Any], interrupted_step: str | None
) -> str:
    """'' when the clone set still shows what the checkpoint recorded, else what differs, naming it.

    `interrupted_step`: the step of the stage the interrupted run was in on this clone set, if any.
    """
    if "error" in recorded:
        return f"{rid}: the interrupted refresh could not read its pairs ({recorded['error']})"
    if "error" in now:
        return f"{rid}: cannot read its pairs now ({now['error']})"
    if recorded.get("symid") != now.get("symid"):
        then_sid, now_sid = recorded.get("symid"), now.get("symid")
        return f"{rid}: on array {now_sid} now, the interrupted refresh read array {then_sid}"
    then_pairs, now_pairs = _by_pair(recorded), _by_pair(now)
    if set(then_pairs) != set(now_pairs):
        return f"{rid}: its pairs are not the ones the interrupted refresh read"
    changed = [k for k in sorted(now_pairs) if not _held(then_pairs[k], now_pairs[k], interrupted_step)]
    if not changed:
        return ""
    listed = ", ".join(f"{src}:{tgt}" for src, tgt in changed)
    subject = "pairs" if len(changed) == len(now_pairs) else f"pairs {listed}"
    now_text = _summary([now_pairs[key] for key in changed])
    then_text = _summary([then_pairs[key] for key in changed])
    return f"{rid}: {subject} now {now_text} but the interrupted refresh left them {then_text}"


def _by_pair(entry: dict[str, Any]) -> dict[tuple[str, str], Pair]:
    """The recorded rows by pair; a row that is not `[src, tgt, state, ISO time or null]` is dropped,
    so that a damaged record reads as other pairs (a start over), never as an error."""
    rows = entry.get("pairs")
    pairs: dict[tuple[str, str], Pair] = {}
    for row in rows if isinstance(rows, list) else []:
        if not (isinstance(row, list | tuple) and len(row) == 4):
            continue
        src, tgt, state, when = row
        if when is not None:
            try:
                datetime.fromisoformat(str(when))
            except ValueError:
                continue
        pairs[(str(src), str(tgt))] = (str(src), str(tgt), str(state), None if when is None else str(when))
    return pairs


# --- host resources -----------------------------------------------------------------------------


def recheck_host(
    ctx: RunContext, step: str, rids: Sequence[str], *, stage: str, action: str
) -> tuple[list[ResourceActionResult], list[str]]:
    """Re-read the resources a skipped start (stop) stage left up (down): (skipped results, not so).

    A resource whose status cannot be read by design (nostatus, no check command, disabled) is
    trusted as the checkpoint says: its start may not be safe to repeat.
    """
    wanted = Status.UP if step == "start" else Status.DOWN
    skipped: list[ResourceActionResult] = []
    not_so: list[str] = []
    for rid in rids:
        began = time.time()
        report = read_status(ctx, ctx.service.resource(rid), stage)
        reason = f" ({report.reason})" if report.reason else ""
        if report.status is wanted:
            message = f"done earlier; re-checked: {report.status}{reason}"
        elif report.status is Status.NA:
            message = f"done earlier; not re-checked: {report.status}{reason}"
        else:
            not_so.append(f"{rid} is {report.status}{reason}")
            continue
        skipped.append(ResourceActionResult(rid, action, "skipped", message, time.time() - began, 0))
    return skipped, not_so
