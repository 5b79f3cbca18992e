"""Service-level reads: which resources an action touches, is the service down, its status.

Everything here is read-only: statuses run only read commands (one symcli call per sync resource,
one host command per host resource), so `status` and the refresh's down check change nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from clonepilot.config.models import AnyResource, Service, SymcloneSync
from clonepilot.engine.context import RunContext
from clonepilot.engine.depends import read_status
from clonepilot.engine.status import ResourceStatusReport, Status
from clonepilot.errors import PermanentError

KINDS: tuple[str, ...] = ("sync", "ip", "disk", "fs", "app")
# Statuses reads run side by side: each is one short command; 4 keeps a node's sshd unhurried.
_STATUS_WORKERS = 4


class SelectionError(PermanentError):
    """A --rid naming no resource of the service, or a selection left empty by --tag."""


class ServiceNotDown(PermanentError):
    """A refresh (or sync update/resync) refused: resources of the service are still up."""

    def __init__(self, service: str, still_up: Sequence[ResourceStatusReport]) -> None:
        listed = "; ".join(f"{r.rid} is {r.status}{f' ({r.reason})' if r.reason else ''}" for r in still_up)
        super().__init__(
            f"service {service} is not down, nothing was changed: {listed}. Stop the service first "
            "(or refresh with stop first)."
        )
        self.still_up = tuple(still_up)


def select_resources(
    service: Service, rids: Sequence[str] = (), tags: Sequence[str] = ()
) -> tuple[AnyResource, ...]:
    """Resources named by rid or kind (`sync`, `fs`...) and carrying any of tags; all by default.

    The result keeps the service's order (kind in start order, then OpenSVC's order within a kind).
    """
    known = {r.rid: r for r in service.resources}
    chosen: set[str] = set()
    for item in rids:
        if item in known:
            chosen.add(item)
        elif item in KINDS:
            chosen.update(rid for rid, r in known.items() if r.kind == item)
        else:
            raise SelectionError(
                f"service {service.name} has no resource {item!r}; resources: "
                f"{', '.join(known) or '(none)'} (or a kind: {', '.join(KINDS)})"
            )
    selected = [r for r in service.resources if not rids or r.rid in chosen]
    if tags:
        wanted = set(tags)
        selected = [r for r in selected if r.tags & wanted]
        if not selected:
            raise SelectionError(f"service {service.name}: no selected resource has tag {', '.join(tags)}")
    return tuple(selected)


def read_statuses(ctx: RunContext, resources: Sequence[AnyResource]) -> tuple[ResourceStatusReport, ...]:
    """The status of each resource, read side by side, in the order given."""
    if not resources:
        return ()
    with ThreadPoolExecutor(max_workers=min(_STATUS_WORKERS, len(resources))) as pool:
        return tuple(pool.map(lambda r: read_status(ctx, r), resources))


def check_service_down(ctx: RunContext) -> list[ResourceStatusReport]:
    """The non-sync resources of the whole service that are not down (empty: the service is down).

    Not just the selected ones: a refresh replaces the data under every host resource. A status
    that cannot be read (undef) or warns counts as not down; n/a (nostatus, no check) is ignored.
    """
    host = [r for r in ctx.service.resources if not isinstance(r, SymcloneSync) and not r.disable]
    return [r for r in read_statuses(ctx, host) if r.status not in (Status.DOWN, Status.NA)]


def require_service_down(ctx: RunContext) -> None:
    """Raise ServiceNotDown naming the resources still up; the guard before replacing the data."""
    still_up = check_service_down(ctx)
    if still_up:
        raise ServiceNotDown(ctx.service.name, still_up)


# Worst first: for sync resources one bad clone set makes the service's data suspect.
_SYNC_RANK = {Status.DOWN: 3, Status.UNDEF: 2, Status.WARN: 1, Status.UP: 0}


def aggregate_avail(statuses: Sequence[Status]) -> Status:
    """ip/disk/fs/app: all up → up, all down → down, any mix (or undef) → warn; n/a ignored."""
    counted = [s for s in statuses if s is not Status.NA]
    if not counted:
        return Status.NA
    if all(s is Status.UP for s in counted):
        return Status.UP
    if all(s is Status.DOWN for s in counted):
        return Status.DOWN
    return Status.WARN


def aggregate_sync(statuses: Sequence[Status]) -> Status:
    """Sync resources: the worst of them (down > undef > warn > up); n/a ignored."""
    counted = [s for s in statuses if s is not Status.NA]
    if not counted:
        return Status.NA
    return max(counted, key=lambda s: _SYNC_RANK[s])


def aggregate_overall(avail: Status, sync: Status) -> Status:
    """The service's one word: its availability, degraded to warn by a sync that is not up.

    A service of sync resources only (it drives other servers' clones) takes its sync status.
    """
    if avail is Status.NA:
        return sync
    if avail is not Status.DOWN and sync in (Status.WARN, Status.DOWN, Status.UNDEF):
        return Status.WARN
    return avail


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    resources: tuple[ResourceStatusReport, ...]
    avail: Status
    sync: Status
    overall: Status

    def to_dict(self) -> dict[str, Any]:
        return {
            "service": self.name,
            "overall": str(self.overall),
            "avail": str(self.avail),
            "sync": str(self.sync),
            "resources": {
                r.rid: {
                    "status": str(r.status),
                    "reason": r.reason,
                    "last_action": r.last_action.isoformat() if r.last_action else None,
                    # Drivers may put datetimes or enums in detail; --json must still serialise.
                    "detail": json.loads(json.dumps(r.detail, default=str)),
                }
                for r in self.resources
            },
        }


def service_status(ctx: RunContext, selection: Sequence[AnyResource] = ()) -> ServiceStatus:
    """Status of the selected resources (all by default) and their aggregates; read-only."""
    resources = tuple(selection) or ctx.service.resources
    reports = read_statuses(ctx, resources)
    syncs = [rep.status for res, rep in zip(resources, reports, strict=True) if isinstance(res, SymcloneSync)]
    hosts = [
        rep.status for res, rep in zip(resources, reports, strict=True) if not isinstance(res, SymcloneSync)
    ]
    avail, sync = aggregate_avail(hosts), aggregate_sync(syncs)
    return ServiceStatus(ctx.service.name, reports, avail, sync, aggregate_overall(avail, sync))
