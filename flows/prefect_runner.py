"""Running an action's stages as Prefect task runs, with progress and a summary in the UI.

The order of the stages is the engine's (clonepilot.engine.runbook); this module only decides
that each step runs as a task run named after the service, the rid and the stage, and what the
UI shows while it runs.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

from prefect import get_run_logger
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)

from clonepilot.config import load_service
from clonepilot.config.models import AnyResource, SymcloneSync
from clonepilot.engine import progress as progress_hub
from clonepilot.engine.checkpoint import open_checkpoint
from clonepilot.engine.clones import clone_set
from clonepilot.engine.context import ProgressEvent, RunContext
from clonepilot.engine.report import RunReport
from clonepilot.engine.resource import ResourceActionResult
from clonepilot.engine.runbook import execute, runbook
from clonepilot.engine.service import select_resources
from clonepilot.errors import ClonepilotError
from clonepilot.settings import load_settings
from flows.concurrency import array_slots, changed_arrays, service_guard
from flows.secrets import flow_ssh_options
from tasks.steps import STEP_TASKS, StepFailed, check_service_is_down


class ActionFailed(ClonepilotError):
    """The action stopped at a failed stage; `report` says what ran before."""

    def __init__(self, report: RunReport) -> None:
        super().__init__(report.error)
        self.report = report


def _artifact_key(text: str) -> str:
    # Artifact keys allow lower-case letters, digits and dashes only.
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")


class ProgressArtifacts:
    """One Prefect progress artifact per wait and rid, updated at most once a second."""

    def __init__(self, service: str) -> None:
        self.service = service
        self._ids: dict[tuple[str, str], Any] = {}
        self._last: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def __call__(self, event: ProgressEvent) -> None:
        key = (event.rid, event.waiting_for)
        now = time.monotonic()
        with self._lock:
            if not event.done and now - self._last.get(key, 0.0) < 1.0:
                return
            self._last[key] = now
            artifact_id = self._ids.get(key)
        left = f", about {event.eta_seconds:.0f} s left" if event.eta_seconds is not None else ""
        description = f"{self.service} {event.rid}: waiting for {event.waiting_for}{left}"
        if artifact_id is None:
            artifact_id = create_progress_artifact(
                progress=event.percent,
                key=_artifact_key(f"{self.service}-{event.rid}-{event.waiting_for}"),
                description=description,
            )
            with self._lock:
                self._ids[key] = artifact_id
        else:
            update_progress_artifact(artifact_id, progress=event.percent, description=description)


def _pairs_table(ctx: RunContext, syncs: Sequence[SymcloneSync], key: str, description: str) -> None:
    """A table artifact of the clone pairs as the array shows them: one read per clone set.

    A read that fails is shown as such in the table; it must not fail the action it documents.
    """
    rows: list[dict[str, Any]] = []
    for resource in syncs:
        try:
            snapshot = clone_set(ctx, resource).read(stage="pairs table", log_level=logging.DEBUG)
        except ClonepilotError as exc:
            rows.append({"rid": resource.rid, "source": "", "target": "", "state": f"unreadable: {exc}"})
            continue
        for pair in snapshot.pairs:
            rows.append(
                {
                    "rid": resource.rid,
                    "source": pair.src,
                    "target": pair.tgt,
                    "state": pair.state_name,
                    "percent": pair.percent if pair.percent is not None else "",
                    "last action (point in time)": pair.last_action.isoformat() if pair.last_action else "",
                }
            )
    create_table_artifact(table=rows, key=_artifact_key(key), description=description)


def _prefect_step(
    ctx: RunContext, step: str, resource: AnyResource, *, hook_action: str, stage: str
) -> ResourceActionResult:
    task = STEP_TASKS[step].with_options(task_run_name=f"{ctx.service.name} {resource.rid} {stage}")
    try:
        return task(ctx, step, resource, hook_action, stage)
    except StepFailed as exc:
        return exc.result


def _prefect_check_down(ctx: RunContext) -> None:
    check_service_is_down.with_options(task_run_name=f"{ctx.service.name} check down")(ctx)


def run_action(
    action: str,
    service: str,
    *,
    rids: Sequence[str] | None = None,
    tags: Sequence[str] | None = None,
    dry_run: bool = False,
    stop_first: bool = False,
    services_dir: str | None = None,
) -> dict[str, Any]:
    """Load and validate the service, run the action's stages as tasks, publish the summary."""
    logger = get_run_logger()
    settings = load_settings(**({"services_dir": services_dir} if services_dir else {}))
    svc = load_service(service, settings.services_dir)
    selection = select_resources(svc, rids or (), tags or ())
    stages = runbook(svc, action, selection, stop_first=stop_first)
    logger.info(
        "%s %s on %s (symcli on %s): %s",
        action,
        svc.name,
        ", ".join(str(n) for n in svc.nodes),
        svc.symcli_node,
        " → ".join(s.name for s in stages),
    )
    artifacts = ProgressArtifacts(svc.name)
    # One state-changing action per service at a time (refused or queued), and a cap per array on
    # the runs that change its clone sets; dry runs take neither (flows/concurrency.py).
    changes = [(s.step, [svc.resource(rid) for rid in s.rids]) for s in stages]
    with (
        service_guard(settings, svc.name, action, dry_run=dry_run, logger=logger),
        array_slots(settings, changed_arrays(changes), dry_run=dry_run, logger=logger),
    ):
        # Only a refresh needs one: the other actions are idempotent from the down check on.
        checkpoint = (
            open_checkpoint(settings, svc.name, action, stages)
            if action == "refresh" and not dry_run
            else None
        )
        with (
            progress_hub.subscribed(artifacts),
            RunContext(
                svc,
                settings,
                dry_run=dry_run,
                ssh_options=flow_ssh_options(settings, logger),
                logger=logger,
                progress=progress_hub.publish,
            ) as ctx,
        ):
            syncs = [r for r in selection or svc.resources if isinstance(r, SymcloneSync)]
            _pairs_table(ctx, syncs, f"{svc.name}-{action}-pairs-before", f"pairs before the {action}")
            report = execute(
                ctx,
                stages,
                action=action,
                step_runner=_prefect_step,
                check_down=_prefect_check_down,
                checkpoint=checkpoint,
            )
            _pairs_table(ctx, syncs, f"{svc.name}-{action}-pairs-after", f"pairs after the {action}")
            # The report lists every command of the run, the reads for the tables included.
            report = dataclasses.replace(report, commands=ctx.journal.snapshot())
    create_markdown_artifact(
        markdown=f"```\n{report.summary()}\n```",
        key=_artifact_key(f"{svc.name}-{action}-summary"),
        description=f"{action} of {svc.name}",
    )
    for line in report.summary().splitlines():
        logger.info("%s", line)
    if not report.ok:
        raise ActionFailed(report)
    return {**report.to_dict(), "summary": report.summary()}
