"""The seed's status of a symclone resource, from one snapshot of its pairs.

up: the newest last_action is within sync_max_delay minutes. warn: it is older, only some pairs
are activated (reference §3.2), some pairs have no session yet (partly provisioned), or pairs are
Split, Restored, RestInProg or CopyOnAccess (each named with what it means). down: no pair has a
session, a target is in another source's session, a pair is in a state a clone set is never in
(Failed, Invalid, an unknown one); or no pair reports a last_action.
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
# States a clone set is left in by a hand or a restore: warn, saying what each means (as OpenSVC,
# which reports them neither active nor down).
NOTED: dict[CloneState, str] = {
    CloneState.SPLIT: "split (the session is kept but detached; sync resync recreates it)",
    CloneState.RESTORED: "restored onto the sources (terminate -restored or split is pending)",
    CloneState.REST_IN_PROG: "restore in progress (the targets are copied back onto the sources)",
    CloneState.COPY_ON_ACCESS: (
        "activated without background copy (copy on access: the target reads unchanged tracks from"
        " the source)"
    ),
}


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
    noted = [p for p in snapshot.pairs if p.other_source is None and p.state in NOTED]
    unexpected = [
        p
        for p in snapshot.pairs
        if p.other_source is None and p.state not in EXPECTED | NOTED.keys() | {None}
    ]
    problems: list[str] = []
    # Some pairs without a session is a set half provisioned (OpenSVC: warn); none at all is down.
    if no_session and len(no_session) == len(snapshot.pairs):
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
    if no_session:
        warnings.append(
            f"partly provisioned: no clone session for {_names(no_session)} (sync provision creates it)"
        )
    for state, meaning in NOTED.items():
        pairs = [p for p in noted if p.state is state]
        if pairs:
            warnings.append(f"{meaning}: {_names(pairs)}")
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
