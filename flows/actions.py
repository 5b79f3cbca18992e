"""The seed's actions as Prefect flows: one flow per action, each a thin call to run_action.

Flow names are the ones deployments use (`refresh/SVC`, `sync-update/SVC`); run names read as the
seed's command line, e.g. `refresh demo` or `sync-update demo`.

No flow takes the services directory as a parameter: service files hold commands that run as the
SSH user on the nodes, so which files a run reads is the worker's setting (`services_dir`), never
something a person starting a run in the UI or the API chooses.
"""

from __future__ import annotations

from typing import Any

from prefect import Flow, State, flow
from prefect.states import Cancelled

from flows.approval import ApprovalRejected
from flows.prefect_runner import ActionStopped, run_action

Rids = list[str] | None
Tags = list[str] | None
# None: as the service's `approval` keyword says; True/False: this run's own choice.
Approve = bool | None
Result = dict[str, Any] | State


def _run(action: str, service: str, **options: Any) -> Result:
    """The action's run; a rejected approval ends it Cancelled (a person's decision, not a failure)."""
    try:
        return run_action(action, service, **options)
    except ApprovalRejected as exc:
        return Cancelled(message=str(exc))
    except ActionStopped as exc:
        # Stopped cleanly on request: Cancelled in the UI, with where it stopped; a rerun resumes.
        return Cancelled(message=f"{exc.report.error}; run it again to resume")


@flow(name="refresh", flow_run_name="refresh {service}")
def refresh(
    service: str,
    rids: Rids = None,
    tags: Tags = None,
    dry_run: bool = False,
    stop_first: bool = False,
    approval: Approve = None,
    restart: bool = False,
) -> Result:
    """Refresh the service's clones and start it: check down → recreate → wait for precopy →
    start ip → activate in rid order → wait for copied → start disks, filesystems, apps.
    `restart`: start over, discarding the checkpoint of an interrupted refresh."""
    return _run(
        "refresh",
        service,
        rids=rids,
        tags=tags,
        dry_run=dry_run,
        stop_first=stop_first,
        approval=approval,
        restart=restart,
    )


def _action_flow(action: str, description: str) -> Flow[..., Result]:
    """The flow of one more action; all of them take the same parameters as the UI form shows."""
    name = action.replace("_", "-")

    def run(
        service: str,
        rids: Rids = None,
        tags: Tags = None,
        dry_run: bool = False,
        approval: Approve = None,
    ) -> Result:
        return _run(action, service, rids=rids, tags=tags, dry_run=dry_run, approval=approval)

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

FLOWS: dict[str, Flow[..., Result]] = {
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
