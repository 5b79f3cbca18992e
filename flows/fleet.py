"""Status flows: `fleet-status` (every service of the services directory) and `status` (one service).

Both are read-only. Each publishes a table artifact (service, rid, status, reason, last action;
broken and stale first) and emits one Prefect event per resource in down or warn, so that a
Prefect automation can notify:

    event     clonepilot.resource.down | clonepilot.resource.warn
    resource  {"prefect.resource.id": "clonepilot.resource.<service>.<rid>",
               "prefect.resource.name": "<service> <rid>"}
    payload   {"reason": ..., "service": ..., "rid": ..., "status": ..., "last_action": ...}

They are not actions (nothing to lock, no checkpoint), so they live here, not in flows/actions.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact
from prefect.events import Event, emit_event

from clonepilot.config import load_service
from clonepilot.engine.context import RunContext
from clonepilot.engine.fleet import FleetEntry, FleetStatus, fleet_status
from clonepilot.engine.service import select_resources, service_status
from clonepilot.engine.status import ResourceStatusReport, Status
from clonepilot.settings import load_settings
from flows.artifacts import artifact_key
from flows.secrets import flow_ssh_options

__all__ = ["emit_resource_events", "fleet_status_flow", "resource_event_name", "status_flow"]

EVENT_PREFIX = "clonepilot.resource"


def resource_event_name(report: ResourceStatusReport) -> str | None:
    """`clonepilot.resource.down` or `.warn`; None for a resource that needs no one's attention."""
    if report.status in (Status.DOWN, Status.WARN):
        return f"{EVENT_PREFIX}.{report.status}"
    return None


def emit_resource_events(service: str, reports: Sequence[ResourceStatusReport]) -> list[Event | None]:
    """One event per resource in down or warn; what emit_event returned for each (None: events off)."""
    emitted: list[Event | None] = []
    for report in reports:
        name = resource_event_name(report)
        if name is None:
            continue
        emitted.append(
            emit_event(
                event=name,
                resource={
                    "prefect.resource.id": f"{EVENT_PREFIX}.{service}.{report.rid}",
                    "prefect.resource.name": f"{service} {report.rid}",
                },
                payload={
                    "reason": report.reason,
                    "service": service,
                    "rid": report.rid,
                    "status": str(report.status),
                    "last_action": report.last_action.isoformat() if report.last_action else None,
                },
            )
        )
    return emitted


def _publish(report: FleetStatus, key: str, description: str) -> dict[str, Any]:
    logger = get_run_logger()
    for line in report.table().splitlines():
        logger.info("%s", line)
    artifact_id = create_table_artifact(table=report.rows(), key=key, description=description)
    events = 0
    for entry in report.entries:
        if entry.status is not None:
            for problem in entry.status.resources:
                if resource_event_name(problem) is not None:
                    logger.warning("%s %s is %s: %s", entry.name, problem.rid, problem.status, problem.reason)
            events += len(emit_resource_events(entry.name, entry.status.resources))
        else:
            logger.warning("%s: invalid service file: %s", entry.name, entry.error)
    return {**report.to_dict(), "events": events, "artifact": str(artifact_id), "summary": report.table()}


@flow(name="fleet-status", flow_run_name="fleet-status")
def fleet_status_flow() -> dict[str, Any]:
    """The status of every service of the services directory, each array read once; read-only.
    A table artifact (broken and stale first) and an event per resource in down or warn."""
    # The worker's services directory, never a run parameter (see flows/actions.py).
    settings = load_settings()
    logger = get_run_logger()
    report = fleet_status(settings, logger=logger, ssh_options=flow_ssh_options(settings, logger))
    return _publish(report, "fleet-status", f"status of the {len(report.entries)} services")


@flow(name="status", flow_run_name="status {service}")
def status_flow(
    service: str,
    rids: list[str] | None = None,
    tags: list[str] | None = None,
) -> dict[str, Any]:
    """The status of one service (up, warn, down, n/a per resource, with the reasons); read-only.
    A table artifact and an event per resource in down or warn."""
    logger = get_run_logger()
    settings = load_settings()
    svc = load_service(service, settings.services_dir)
    selection = select_resources(svc, rids or (), tags or ())
    with RunContext(svc, settings, logger=logger, ssh_options=flow_ssh_options(settings, logger)) as ctx:
        status = service_status(ctx, selection)
    report = FleetStatus(settings.services_dir, (FleetEntry(svc.name, status),))
    return _publish(report, artifact_key(f"{svc.name}-status"), f"status of {svc.name}")
