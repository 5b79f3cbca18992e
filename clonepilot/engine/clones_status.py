"""The seed's status of a symclone resource, from one snapshot of its pairs.

up: the newest last_action is within sync_max_delay minutes. warn: it is older, or only some
pairs are activated (reference §3.2). down: a pair has no session, is in another source's
session, or is in a state a refreshed clone set is never in; or no pair reports a last_action.
`status_from_listing` judges an array-form resource from a `symdev list` already read (the fleet
status reads each array once for every service on it).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from clonepilot.config.models import SymcloneSync
from clonepilot.engine.clones_model import CloneSnapshot, MissingDevicesError, PairView, snapshot_from_listing
from clonepilot.engine.status import ResourceStatusReport, Status
from clonepilot.symcli import CloneState, SymdevListing

# Active (OSVC's active_states) and activable (recreated/precopy, plus created after provision).
ACTIVE = frozenset({CloneState.COPIED, CloneState.COPY_IN_PROG})
ACTIVABLE = frozenset({CloneState.RECREATED, CloneState.PRECOPY, CloneState.CREATED})
EXPECTED = ACTIVE | ACTIVABLE


def _names(pairs: list[PairView]) -> str:
    return ", ".join(p.describe() for p in pairs)


def _age(delta: timedelta) -> str:
    minutes = delta.total_seconds() / 60
    if minutes < 1:
        return f"{max(delta.total_seconds(), 0):.0f} s"
    if minutes < 120:
        return f"{minutes:.0f} min"
    return f"{minutes / 60:.1f} h"


def status_from_snapshot(
    resource: SymcloneSync, snapshot: CloneSnapshot, *, now: datetime | None = None
) -> ResourceStatusReport:
    now = now or datetime.now()  # last_action is the array's local asctime, naive
    detail: dict[str, object] = {
        "states": dict(snapshot.states),
        "percent": round(snapshot.percent, 1) if snapshot.percent_known else None,
        "pairs": {p.key: p.state_name for p in snapshot.pairs},
    }
    last = snapshot.last_action

    def report(status: Status, reason: str) -> ResourceStatusReport:
        return ResourceStatusReport(resource.rid, status, reason, last, detail)

    no_session = [p for p in snapshot.pairs if p.state is None and p.other_source is None]
    foreign = [p for p in snapshot.pairs if p.other_source is not None]
    unexpected = [p for p in snapshot.pairs if p.other_source is None and p.state not in EXPECTED | {None}]
    problems: list[str] = []
    if no_session:
        problems.append(f"no clone session: {_names(no_session)}")
    if foreign:
        problems.append(f"target in another source's session: {_names(foreign)}")
    if unexpected:
        problems.append(f"unexpected state: {_names(unexpected)}")
    if problems:
        return report(Status.DOWN, "; ".join(problems))
    if last is None:
        return report(Status.DOWN, "no pair reports a last action time")

    stamp = f"last refresh {last:%Y-%m-%d %H:%M:%S}"
    active = [p for p in snapshot.pairs if p.state in ACTIVE]
    waiting = [p for p in snapshot.pairs if p.state in ACTIVABLE]
    warnings: list[str] = []
    if active and waiting:
        warnings.append(
            f"only {len(active)} of {len(snapshot.pairs)} pairs activated; not yet: {_names(waiting)}"
        )
    age = now - last
    if age > timedelta(minutes=resource.sync_max_delay):
        warnings.append(
            f"{stamp} is {_age(age)} old, more than sync_max_delay ({resource.sync_max_delay} min)"
        )
    if warnings:
        return report(Status.WARN, "; ".join(warnings))
    return report(Status.UP, f"{stamp} ({_age(age)} ago); {snapshot.describe_states()}")


def status_from_listing(
    resource: SymcloneSync, listing: SymdevListing, *, now: datetime | None = None
) -> ResourceStatusReport:
    """The seed's status of an array-form resource from a listing read once for many resources.

    Same words and reasons as `CloneSet.status()` reading the resource's own targets: n/a for a
    nostatus resource, down naming the targets the listing lacks.
    """
    if resource.uses_device_group:
        raise ValueError(f"{resource.rid}: a device group resource is not read through a symdev listing")
    if resource.nostatus:
        return ResourceStatusReport(resource.rid, Status.NA, "nostatus tag")
    try:
        snapshot = snapshot_from_listing(resource, listing)
    except MissingDevicesError as exc:
        return ResourceStatusReport(resource.rid, Status.DOWN, str(exc))
    return status_from_snapshot(resource, snapshot, now=now)
