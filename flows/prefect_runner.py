"""Running an action's stages as Prefect task runs, with progress and a summary in the UI.

The order of the stages is the engine's (clonepilot.engine.runbook); this module only decides
that each step runs as a task run named after the service, the rid and the stage, and what the
UI shows while it runs.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from typing import Any

from prefect import get_run_logger
from prefect.artifacts import create_markdown_artifact

from clonepilot.config import load_service
from clonepilot.config.models import AnyResource, Service, SymcloneSync
from clonepilot.engine import progress as progress_hub
from clonepilot.engine.checkpoint import open_checkpoint
from clonepilot.engine.context import RunContext
from clonepilot.engine.report import RunReport
from clonepilot.engine.resource import ResourceActionResult
from clonepilot.engine.runbook import Stage, execute, runbook
from clonepilot.engine.service import select_resources
from clonepilot.engine.stopping import StopRequest, stop_on_signals
from clonepilot.errors import ClonepilotError
from clonepilot.settings import Settings, load_settings
from clonepilot.transport.ssh import SSHOptions
from flows.approval import ask_approval, needs_approval
from flows.artifacts import ProgressArtifacts, artifact_key, pairs_table
from flows.cancel_watch import stop_on_cancel
from flows.checkpoints import checkpoint_store
from flows.concurrency import array_slots, changed_arrays, service_guard
from flows.runlock import flow_run_lock
from flows.secrets import flow_ssh_options
from tasks.steps import STEP_TASKS, StepFailed, check_service_is_down


class ActionFailed(ClonepilotError):
    """The action stopped at a failed stage; `report` says what ran before."""

    def __init__(self, report: RunReport) -> None:
        super().__init__(report.error)
        self.report = report


class ActionStopped(ActionFailed):
    """The action was asked to stop (a signal, a Cancel) and stopped cleanly; a rerun resumes it."""


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


def _plan(
    svc: Service,
    settings: Settings,
    action: str,
    stages: Sequence[Stage],
    ssh_options: SSHOptions,
    restart: bool = False,
) -> RunReport:
    """The run's dry-run report from the array's and hosts' state now: what a person approves.

    A refresh that resumes an interrupted one plans the same skips as the real rerun will.
    """
    checkpoint = (
        open_checkpoint(
            settings,
            svc.name,
            action,
            stages,
            read_only=True,
            store=checkpoint_store(settings, svc.name, action),
            restart=restart,
        )
        if action == "refresh"
        else None
    )
    # The plan's stage lines stay out of the run's logs, where they would read as real steps: the
    # person reads the plan on the Resume form and in its artifact.
    quiet = logging.getLogger("clonepilot.approval.plan")
    with RunContext(svc, settings, dry_run=True, ssh_options=ssh_options, logger=quiet) as ctx:
        return execute(ctx, stages, action=action, checkpoint=checkpoint)


def run_action(
    action: str,
    service: str,
    *,
    rids: Sequence[str] | None = None,
    tags: Sequence[str] | None = None,
    dry_run: bool = False,
    stop_first: bool = False,
    approval: bool | None = None,
    restart: bool = False,
) -> dict[str, Any]:
    """Load and validate the service, run the action's stages as tasks, publish the summary.

    `approval`: pause for a person's approval of the plan first (True), never (False), or as the
    service's `approval` keyword says (None). `restart`: a refresh starts over, discarding the
    checkpoint of an interrupted one.
    """
    logger = get_run_logger()
    settings = load_settings()
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
    ssh_options = flow_ssh_options(settings, logger)
    # One state-changing action per service at a time (refused or queued), and a cap per array on
    # the runs that change its clone sets; dry runs take neither (flows/concurrency.py).
    changes = [(s.step, [svc.resource(rid) for rid in s.rids]) for s in stages]
    # The run lock on the symcli node first: every runner sees it, whatever Prefect server it uses.
    stop = StopRequest()
    with (
        stop_on_signals(stop, logger, f"{action} of {svc.name}"),
        stop_on_cancel(stop, logger, f"{action} of {svc.name}"),
        flow_run_lock(
            settings, svc, action, stages, ssh_options=ssh_options, dry_run=dry_run, logger=logger, stop=stop
        ) as lock,
        service_guard(
            settings,
            svc.name,
            action,
            dry_run=dry_run,
            logger=logger,
            run_lock_held=lock is not None,
            on_lease=lock.add_lease if lock is not None else None,
        ),
    ):
        # Approval waits holding the service (the approved plan is not raced by another run of
        # it) but no slot of the array (a person's lunch must not hold back other services).
        if needs_approval(svc, action, approval, dry_run=dry_run):
            plan = _plan(svc, settings, action, stages, ssh_options, restart)
            if not plan.ok:
                # Nothing worth approving: the run would fail as the plan did.
                raise ActionFailed(plan)
            ask_approval(svc, action, plan, timeout=settings.approval_timeout, logger=logger)
        with array_slots(
            settings,
            changed_arrays(changes),
            dry_run=dry_run,
            logger=logger,
            on_lease=lock.add_lease if lock is not None else None,
        ):
            # Only a refresh needs one: the other actions are idempotent from the down check on.
            checkpoint = (
                open_checkpoint(
                    settings,
                    svc.name,
                    action,
                    stages,
                    store=checkpoint_store(settings, svc.name, action),
                    restart=restart,
                )
                if action == "refresh" and not dry_run
                else None
            )
            with (
                progress_hub.subscribed(artifacts),
                RunContext(
                    svc,
                    settings,
                    dry_run=dry_run,
                    ssh_options=ssh_options,
                    logger=logger,
                    progress=progress_hub.publish,
                    stop=stop,
                ) as ctx,
            ):
                if lock is not None:
                    ctx.change_guards.append(lock.check)
                syncs = [r for r in selection or svc.resources if isinstance(r, SymcloneSync)]
                pairs_table(ctx, syncs, f"{svc.name}-{action}-pairs-before", f"pairs before the {action}")
                report = execute(
                    ctx,
                    stages,
                    action=action,
                    step_runner=_prefect_step,
                    check_down=_prefect_check_down,
                    checkpoint=checkpoint,
                )
                pairs_table(ctx, syncs, f"{svc.name}-{action}-pairs-after", f"pairs after the {action}")
                # The report lists every command of the run, the reads for the tables included.
                report = dataclasses.replace(report, commands=ctx.journal.snapshot())
    create_markdown_artifact(
        markdown=f"```\n{report.summary()}\n```",
        key=artifact_key(f"{svc.name}-{action}-summary"),
        description=f"{action} of {svc.name}",
    )
    for line in report.summary().splitlines():
        logger.info("%s", line)
    if report.error_type == "RunStopped":
        raise ActionStopped(report)
    if not report.ok:
        raise ActionFailed(report)
    return {**report.to_dict(), "summary": report.summary()}
