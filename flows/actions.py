"""The seed's actions as Prefect flows: one flow per action, each a thin call to run_action.

Flow names are the ones deployments use (`refresh/SVC`); run names read as the seed's command
line, e.g. `refresh demo` or `sync-update demo`.
"""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.prefect_runner import run_action

Rids = list[str] | None
Tags = list[str] | None


@flow(name="refresh", flow_run_name="refresh {service}")
def refresh(
    service: str,
    rids: Rids = None,
    tags: Tags = None,
    dry_run: bool = False,
    stop_first: bool = False,
    services_dir: str | None = None,
) -> dict[str, Any]:
    """Refresh the service's clones and start it: check down → recreate → wait for precopy →
    activate in rid order → wait for copied → start ip, activate, disks, filesystems, apps."""
    return run_action(
        "refresh",
        service,
        rids=rids,
        tags=tags,
        dry_run=dry_run,
        stop_first=stop_first,
        services_dir=services_dir,
    )


@flow(name="sync-update", flow_run_name="sync-update {service}")
def sync_update(
    service: str, rids: Rids = None, tags: Tags = None, dry_run: bool = False, services_dir: str | None = None
) -> dict[str, Any]:
    """Re-establish the clones (symclone recreate) after verifying the service is down."""
    return run_action(
        "sync_update", service, rids=rids, tags=tags, dry_run=dry_run, services_dir=services_dir
    )


@flow(name="sync-resync", flow_run_name="sync-resync {service}")
def sync_resync(
    service: str, rids: Rids = None, tags: Tags = None, dry_run: bool = False, services_dir: str | None = None
) -> dict[str, Any]:
    """Re-establish the clones (symclone recreate) after verifying the service is down."""
    return run_action(
        "sync_resync", service, rids=rids, tags=tags, dry_run=dry_run, services_dir=services_dir
    )


@flow(name="sync-break", flow_run_name="sync-break {service}")
def sync_break(
    service: str, rids: Rids = None, tags: Tags = None, dry_run: bool = False, services_dir: str | None = None
) -> dict[str, Any]:
    """Activate the clones (targets read-write, point in time frozen) and wait for Copied."""
    return run_action("sync_break", service, rids=rids, tags=tags, dry_run=dry_run, services_dir=services_dir)


@flow(name="start", flow_run_name="start {service}")
def start(
    service: str, rids: Rids = None, tags: Tags = None, dry_run: bool = False, services_dir: str | None = None
) -> dict[str, Any]:
    """Start the service in stages: ip, activate and wait for copied, disks, filesystems, apps."""
    return run_action("start", service, rids=rids, tags=tags, dry_run=dry_run, services_dir=services_dir)


@flow(name="stop", flow_run_name="stop {service}")
def stop(
    service: str, rids: Rids = None, tags: Tags = None, dry_run: bool = False, services_dir: str | None = None
) -> dict[str, Any]:
    """Stop the service in reverse stages: apps, filesystems, disks, ip."""
    return run_action("stop", service, rids=rids, tags=tags, dry_run=dry_run, services_dir=services_dir)


@flow(name="provision", flow_run_name="provision {service}")
def provision(
    service: str, rids: Rids = None, tags: Tags = None, dry_run: bool = False, services_dir: str | None = None
) -> dict[str, Any]:
    """The initial set-up: symclone create -diff -precopy for pairs without a session."""
    return run_action("provision", service, rids=rids, tags=tags, dry_run=dry_run, services_dir=services_dir)


@flow(name="unprovision", flow_run_name="unprovision {service}")
def unprovision(
    service: str, rids: Rids = None, tags: Tags = None, dry_run: bool = False, services_dir: str | None = None
) -> dict[str, Any]:
    """Terminate the clone sessions."""
    return run_action(
        "unprovision", service, rids=rids, tags=tags, dry_run=dry_run, services_dir=services_dir
    )


@flow(name="sync-nodes", flow_run_name="sync-nodes {service}")
def sync_nodes(
    service: str, rids: Rids = None, tags: Tags = None, dry_run: bool = False, services_dir: str | None = None
) -> dict[str, Any]:
    """Nothing to copy between nodes for symclone; runs the resources' sync_nodes hooks."""
    return run_action("sync_nodes", service, rids=rids, tags=tags, dry_run=dry_run, services_dir=services_dir)


@flow(name="sync-drp", flow_run_name="sync-drp {service}")
def sync_drp(
    service: str, rids: Rids = None, tags: Tags = None, dry_run: bool = False, services_dir: str | None = None
) -> dict[str, Any]:
    """Nothing to copy to DRP nodes for symclone; runs the resources' sync_drp hooks."""
    return run_action("sync_drp", service, rids=rids, tags=tags, dry_run=dry_run, services_dir=services_dir)


FLOWS = {
    "refresh": refresh,
    "sync_update": sync_update,
    "sync_resync": sync_resync,
    "sync_break": sync_break,
    "start": start,
    "stop": stop,
    "provision": provision,
    "unprovision": unprovision,
    "sync_nodes": sync_nodes,
    "sync_drp": sync_drp,
}
