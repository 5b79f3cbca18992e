"""The status of every service of the services directory, reading each array once.

For each array (symid) one `symdev -sid SID list -v -devs <targets> -output xml_e` lists the
targets of every array-form sync resource of every service on it, run on the symcli node of the
first service (by name) that uses the array; each resource's status is then judged from that
shared listing. Host resources are read as `status` reads them, on each service's own node. A
service file that does not validate is reported as `invalid` with its first error.

Read-only, and free of prefect: `clonepilot status --all` and the `fleet-status` flow both call
`fleet_status`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clonepilot.config import Service, SymcloneSync, check_service_file, list_services
from clonepilot.engine.clones_status import status_from_listing
from clonepilot.engine.context import RunContext
from clonepilot.engine.service import (
    ServiceStatus,
    aggregate_avail,
    aggregate_overall,
    aggregate_sync,
    read_statuses,
)
from clonepilot.engine.status import ResourceStatusReport, Status
from clonepilot.engine.unreadable import parse_output
from clonepilot.errors import ClonepilotError
from clonepilot.settings import Settings
from clonepilot.symcli import (
    SymcliError,
    SymcliErrorKind,
    SymdevListing,
    check,
    parse_symdev_list,
    symdev_list,
)
from clonepilot.symcli.validate import normalise_dev_id
from clonepilot.transport import SSHOptions

log = logging.getLogger("clonepilot")
Logger = logging.Logger | logging.LoggerAdapter[logging.Logger]

INVALID = "invalid"
# Broken first (down, undef, invalid), then stale (warn), then up, then n/a.
_ORDER = {"down": 0, "undef": 0, INVALID: 0, "warn": 1, "up": 2, "n/a": 3}
# How counts are listed: worst first.
_WORDS = ("down", "undef", INVALID, "warn", "up", "n/a")
# The worst resource of a service: the one an operator looks at first.
_WORST = {Status.DOWN: 0, Status.UNDEF: 1, Status.WARN: 2, Status.UP: 3, Status.NA: 4}
# Services read side by side (each reads its host resources with up to 4 workers of its own).
_SERVICE_WORKERS = 4


class FleetError(ClonepilotError):
    """The services directory cannot be used: missing, not a directory, or without any service file."""


@dataclass(frozen=True)
class FleetEntry:
    """One service file: its status, or why it could not be read (`error`, for an invalid file)."""

    name: str
    status: ServiceStatus | None = None
    error: str | None = None

    @property
    def overall(self) -> str:
        return INVALID if self.status is None else str(self.status.overall)

    @property
    def worst(self) -> ResourceStatusReport | None:
        """The resource in the worst state (first by rid order among equals); None if none or invalid."""
        if self.status is None or not self.status.resources:
            return None
        return min(self.status.resources, key=lambda r: _WORST[r.status])

    def to_dict(self) -> dict[str, Any]:
        if self.status is None:
            return {"service": self.name, "overall": INVALID, "error": self.error}
        return self.status.to_dict()


@dataclass(frozen=True)
class ArrayRead:
    """One array's shared read: where it ran, for which services, and its error if it failed."""

    symid: str
    node: str
    services: tuple[str, ...]
    devices: tuple[str, ...]
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "symid": self.symid,
            "node": self.node,
            "services": list(self.services),
            "devices": len(self.devices),
            "error": self.error,
        }


@dataclass(frozen=True)
class FleetStatus:
    services_dir: Path
    entries: tuple[FleetEntry, ...]
    arrays: tuple[ArrayRead, ...] = ()
    notes: tuple[str, ...] = ()

    def counts(self) -> dict[str, int]:
        """Services per overall word, worst first; words no service has are left out."""
        overall = [entry.overall for entry in self.entries]
        return {word: overall.count(word) for word in _WORDS if word in overall}

    def problems(self) -> list[tuple[str, ResourceStatusReport]]:
        """(service, report) of every resource in warn or down, in the fleet's order."""
        return [
            (entry.name, report)
            for entry in self.entries
            if entry.status is not None
            for report in entry.status.resources
            if report.status in (Status.DOWN, Status.WARN)
        ]

    def rows(self) -> list[dict[str, str]]:
        """One row per resource (one per invalid file): service, rid, status, reason, last action."""
        rows: list[dict[str, str]] = []
        for entry in self.entries:
            if entry.status is None:
                rows.append(
                    {
                        "service": entry.name,
                        "rid": "",
                        "status": INVALID,
                        "reason": entry.error or "",
                        "last_action": "",
                    }
                )
                continue
            for report in sorted(entry.status.resources, key=lambda r: _WORST[r.status]):
                rows.append(
                    {
                        "service": entry.name,
                        "rid": report.rid,
                        "status": str(report.status),
                        "reason": report.reason,
                        "last_action": f"{report.last_action:%Y-%m-%d %H:%M:%S}"
                        if report.last_action
                        else "",
                    }
                )
        return rows

    def table(self) -> str:
        """The terminal table: service, overall, avail, sync, worst resource and its reason."""
        header = ("SERVICE", "OVERALL", "AVAIL", "SYNC", "WORST", "REASON")
        lines: list[tuple[str, ...]] = []
        for entry in self.entries:
            if entry.status is None:
                lines.append((entry.name, INVALID, "-", "-", "-", entry.error or ""))
                continue
            worst = entry.worst
            lines.append(
                (
                    entry.name,
                    str(entry.status.overall),
                    str(entry.status.avail),
                    str(entry.status.sync),
                    f"{worst.rid} {worst.status}" if worst else "-",
                    worst.reason if worst else "",
                )
            )
        widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header) - 1)]
        out = []
        for row in [header, *lines]:
            out.append(
                "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
                + "  "
                + row[-1]
            )
        summary = ", ".join(f"{count} {word}" for word, count in self.counts().items())
        out.append(f"{len(self.entries)} services: {summary}")
        out.extend(f"note: {note}" for note in self.notes)
        return "\n".join(line.rstrip() for line in out)

    def to_dict(self) -> dict[str, Any]:
        return {
            "services_dir": str(self.services_dir),
            "counts": self.counts(),
            "services": [entry.to_dict() for entry in self.entries],
            "arrays": [array.to_dict() for array in self.arrays],
            "notes": list(self.notes),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, default=str)


@dataclass
class _ArrayPlan:
    """What one array is read for: its targets (normalised id → first spelling) and their owners."""

    symid: str
    service: Service
    devices: dict[str, str] = field(default_factory=dict)
    users: dict[str, Service] = field(default_factory=dict)


def _shared(resource: SymcloneSync) -> bool:
    """Read through the array's shared listing: array form, with a status to read."""
    return not resource.disable and not resource.nostatus and not resource.uses_device_group


def _plan_arrays(services: Sequence[Service]) -> tuple[dict[str, _ArrayPlan], list[str]]:
    plans: dict[str, _ArrayPlan] = {}
    for service in services:
        for resource in service.syncs:
            if not _shared(resource):
                continue
            assert resource.symid is not None
            sid = resource.symid
            plan = plans.setdefault(sid, _ArrayPlan(sid, service))
            plan.users.setdefault(service.name, service)
            for target in resource.targets:
                plan.devices.setdefault(normalise_dev_id(target), target)
    notes = []
    for plan in plans.values():
        others = sorted({str(s.symcli_node) for s in plan.users.values()} - {str(plan.service.symcli_node)})
        if others:
            disagree = ", ".join(
                f"{name} on {s.symcli_node}"
                for name, s in sorted(plan.users.items())
                if str(s.symcli_node) != str(plan.service.symcli_node)
            )
            notes.append(
                f"array {plan.symid}: services disagree about the symcli node; read on "
                f"{plan.service.symcli_node} (service {plan.service.name}), not on {disagree}"
            )
    return plans, notes


def _read_array(
    plan: _ArrayPlan, settings: Settings, ssh_options: SSHOptions | None
) -> tuple[ArrayRead, SymdevListing | None, SymcliError | None]:
    devices = tuple(plan.devices[key] for key in sorted(plan.devices))
    read = ArrayRead(plan.symid, str(plan.service.symcli_node), tuple(sorted(plan.users)), devices)
    try:
        with RunContext(plan.service, settings, ssh_options=ssh_options) as ctx:
            argv = symdev_list(ctx.symcli_bin, plan.symid, devices)
            result = ctx.run(
                plan.service.symcli_node, argv, rid=f"array {plan.symid}", stage="status", changes_state=False
            )
            assert result is not None, "a read-only command returned no result"
            check(result)
            listing = parse_output(settings, str(plan.service.symcli_node), result, parse_symdev_list)
            return read, listing, None
    except SymcliError as exc:
        return _with_error(read, exc), None, exc
    except (ClonepilotError, ValueError) as exc:
        return _with_error(read, exc), None, None


def _with_error(read: ArrayRead, exc: BaseException) -> ArrayRead:
    text = exc.symcli_message if isinstance(exc, SymcliError) and exc.symcli_message else str(exc)
    return ArrayRead(read.symid, read.node, read.services, read.devices, " ".join(text.split()))


@dataclass(frozen=True)
class _ArrayOutcome:
    read: ArrayRead
    listing: SymdevListing | None
    # True: the shared read named a missing device; each resource reads its own targets instead.
    per_resource: bool


def _service_status(
    service: Service,
    settings: Settings,
    arrays: dict[str, _ArrayOutcome],
    logger: Logger,
    ssh_options: SSHOptions | None,
) -> ServiceStatus:
    reports: dict[str, ResourceStatusReport] = {}
    own: list[Any] = []
    for resource in service.resources:
        if isinstance(resource, SymcloneSync) and _shared(resource):
            assert resource.symid is not None
            outcome = arrays[resource.symid]
            if outcome.listing is not None:
                reports[resource.rid] = status_from_listing(resource, outcome.listing)
            elif not outcome.per_resource:
                reports[resource.rid] = ResourceStatusReport(
                    resource.rid, Status.UNDEF, f"cannot read the array: {outcome.read.error}"
                )
            else:
                own.append(resource)
        else:
            own.append(resource)
    if own:
        with RunContext(service, settings, logger=logger, ssh_options=ssh_options) as ctx:
            reports.update((r.rid, r) for r in read_statuses(ctx, own))
    ordered = tuple(reports[r.rid] for r in service.resources)
    syncs = [reports[r.rid].status for r in service.syncs]
    hosts = [reports[r.rid].status for r in service.resources if not isinstance(r, SymcloneSync)]
    avail, sync = aggregate_avail(hosts), aggregate_sync(syncs)
    return ServiceStatus(service.name, ordered, avail, sync, aggregate_overall(avail, sync))


def _sort_key(entry: FleetEntry) -> tuple[int, str]:
    return _ORDER.get(entry.overall, 9), entry.name


def sorted_entries(entries: Iterable[FleetEntry]) -> tuple[FleetEntry, ...]:
    """Broken first (down, undef, invalid), then warn, then up, then n/a; by name within each."""
    return tuple(sorted(entries, key=_sort_key))


def fleet_status(
    settings: Settings,
    services_dir: Path | None = None,
    *,
    logger: Logger | None = None,
    ssh_options: SSHOptions | None = None,
) -> FleetStatus:
    """The status of every service in services_dir (default: the settings'); read-only.

    Raises FleetError when the directory is missing or holds no service file.
    """
    logger = logger or log
    directory = Path(services_dir or settings.services_dir)
    if not directory.is_dir():
        raise FleetError(f"services directory {directory} does not exist or is not a directory")
    names = list_services(directory)
    if not names:
        raise FleetError(f"no service files (*.conf) in {directory}")

    services: list[Service] = []
    invalid: list[FleetEntry] = []
    for name in names:
        service, issues = check_service_file(directory / f"{name}.conf")
        if service is None:
            first = str(issues[0]) if issues else "does not validate"
            more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
            invalid.append(FleetEntry(name, error=first + more))
        else:
            services.append(service)

    plans, notes = _plan_arrays(services)
    arrays: dict[str, _ArrayOutcome] = {}
    if plans:
        with ThreadPoolExecutor(max_workers=min(_SERVICE_WORKERS, len(plans))) as pool:
            for read, listing, exc in pool.map(
                lambda p: _read_array(p, settings, ssh_options), plans.values()
            ):
                missing = exc is not None and exc.kind is SymcliErrorKind.DEVICE_NOT_FOUND
                if missing:
                    notes.append(
                        f"array {read.symid}: {read.error}; each resource read its own targets instead"
                    )
                arrays[read.symid] = _ArrayOutcome(read, listing, missing)
    for note in notes:
        logger.info("fleet status: %s", note)

    def one(service: Service) -> FleetEntry:
        return FleetEntry(service.name, _service_status(service, settings, arrays, logger, ssh_options))

    with ThreadPoolExecutor(max_workers=max(1, min(_SERVICE_WORKERS, len(services)))) as pool:
        valid = list(pool.map(one, services))
    return FleetStatus(
        directory,
        sorted_entries([*valid, *invalid]),
        tuple(outcome.read for outcome in arrays.values()),
        tuple(notes),
    )
