"""The seed's actions as Prefect flows: one flow per action, each a thin call to run_action.

Flow names are the ones deployments use (`refresh/SVC`, `sync-update/SVC`); run names read as the
seed's command line, e.g. `refresh demo` or `sync-update demo`.
"""

from __future__ import annotations

from typing import Any

from prefect import Flow, flow

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
    start ip → activate in rid order → wait for copied → start disks, filesystems, apps."""
    return run_action(
        "refresh",
        service,
        rids=rids,
        tags=tags,
        dry_run=dry_run,
        stop_first=stop_first,
        services_dir=services_dir,
    )


def _action_flow(action: str, description: str) -> Flow[..., dict[str, Any]]:
    """The flow of one more action; all of them take the same parameters as the UI form shows."""
    name = action.replace("_", "-")

    def run(
        service: str,
        rids: Rids = None,
        tags: Tags = None,
        dry_run: bool = False,
        services_dir: str | None = None,
    ) -> dict[str, Any]:
        return run_action(action, service, rids=rids, tags=tags, dry_run=dry_run, services_dir=services_dir)

    run.__name__ = run.__qualname__ = action
    run.__doc__ = description
    return flow(name=name, flow_run_name=f"{name} {{service}}", description=description)(run)


sync_update = _action_flow(
    "sync_update", "Re-establish the clones (symclone recreate) after verifying the service is down."
)
sync_resync = _action_flow(
    "sync_resync", "Re-establish the clones (symclone recreate) after verifying the service is down."
)
sync_break = _action_flow(
    "sync_break", "Activate the clones (targets read-write, point in time frozen) and wait for Copied."
)
start = _action_flow(
    "start", "Start the service in stages: ip, activate and wait for copied, disks, filesystems, apps."
)
stop = _action_flow("stop", "Stop the service in reverse stages: apps, filesystems, disks, ip.")
provision = _action_flow(
    "provision", "The initial set-up: symclone create -diff -precopy for pairs without a session."
)
unprovision = _action_flow("unprovision", "Terminate the clone sessions.")
sync_nodes = _action_flow(
    "sync_nodes", "Nothing to copy between nodes for symclone; runs the sync_nodes hooks."
)
sync_drp = _action_flow("sync_drp", "Nothing to copy to DRP nodes for symclone; runs the sync_drp hooks.")

FLOWS: dict[str, Flow[..., dict[str, Any]]] = {
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
