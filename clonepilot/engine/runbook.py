"""The order of each action as data, and a plain executor for it.

`runbook()` turns an action into stages; the plain executor here and the Prefect flows both walk
the same stages, so the order is defined once. A stage is one step over some resources, run one
after another in rid order or side by side (`parallel`).

Order (the seed's start log: ip, then the clone activate and its wait, then vg, then fs):
  start:  start ip → activate (rid order; a subset together) → wait_copied → [rescan targets]
          → start disk/fs/app (rescan: on the service node, for profiles whose hosts keep a stale
          view of the targets after activate, e.g. linux)
  stop:   stop app → fs → disk → ip (sync resources do nothing on stop)
  refresh: [stop first] → check_down → recreate → wait_activable → start
  sync_update / sync_resync: check_down → recreate → wait_activable (sync_update, for clone sets
    with sync_update_activates: → activate → wait_copied, as OpenSVC does)
  sync_break: activate → wait_copied
  provision / unprovision: create / terminate each clone set
  sync_nodes / sync_drp: hooks only (nothing to do for symclone, as in OpenSVC)
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from clonepilot.config.models import Action, AnyResource, Service, SymcloneSync
from clonepilot.config.order import start_order, stop_order
from clonepilot.engine.checkpoint_store import RESUMABLE, supersede
from clonepilot.engine.clones import clone_set
from clonepilot.engine.context import RunContext
from clonepilot.engine.host import RescanDriver, host_driver
from clonepilot.engine.report import RunReport, StageReport, stage_outcome
from clonepilot.engine.resource import WHOLE, Phase, ResourceActionResult, run_resource_action
from clonepilot.engine.service import require_service_down
from clonepilot.errors import ClonepilotError
from clonepilot.hostprofiles import get_profile

if TYPE_CHECKING:
    from clonepilot.engine.checkpoint import Checkpoint

ACTIONS: tuple[str, ...] = (
    "refresh",
    "start",
    "stop",
    "sync_update",
    "sync_resync",
    "sync_break",
    "provision",
    "unprovision",
    "sync_nodes",
    "sync_drp",
)
HOST_START_ORDER: tuple[str, ...] = ("ip", "disk", "fs", "app")
CHECK_DOWN = "check_down"
RESCAN_STAGE = "rescan targets"


@dataclass(frozen=True)
class Stage:
    """One step over rids. `hook_action` is the seed action whose hooks and depends wrap the step."""

    name: str
    step: str
    rids: tuple[str, ...]
    parallel: bool
    hook_action: str = ""


@dataclass(frozen=True)
class StepSpec:
    """What a step calls, and which part of its action's wrapper it runs (see resource.Phase)."""

    default_action: Action
    phase: Phase
    on_sync: bool  # runs the clone set (on the symcli node) rather than a host driver


STEPS: dict[str, StepSpec] = {
    "recreate": StepSpec("sync_update", Phase(pre=True, post=False), True),
    "wait_activable": StepSpec("sync_update", Phase(pre=False, post=True), True),
    "activate": StepSpec("start", Phase(pre=True, post=False), True),
    "wait_copied": StepSpec("start", Phase(pre=False, post=True), True),
    # On the service node, over the clone sets: their start hooks ran with activate/wait_copied.
    "rescan": StepSpec("start", Phase(pre=False, post=False), False),
    "provision": StepSpec("provision", WHOLE, True),
    "unprovision": StepSpec("unprovision", WHOLE, True),
    "start": StepSpec("start", WHOLE, False),
    "stop": StepSpec("stop", WHOLE, False),
    # Hooks (and depends) only: e.g. sync_nodes on a symclone resource, stop on a sync resource.
    "noop": StepSpec("sync_nodes", WHOLE, False),
}


# --- building runbooks ----------------------------------------------------------------------


def _of_kind(selection: Sequence[AnyResource], kind: str, verb: str = "start") -> list[AnyResource]:
    chosen = [r for r in selection if r.kind == kind]
    return stop_order(chosen) if verb == "stop" else start_order(chosen)


def _rids(resources: Sequence[AnyResource]) -> tuple[str, ...]:
    return tuple(r.rid for r in resources)


def _activate_stages(syncs: list[AnyResource], hook: str) -> list[Stage]:
    """One stage per rid, in rid order; the members of a subset together, where its first one is."""
    stages: list[Stage] = []
    done: set[str] = set()
    for sync in syncs:
        if sync.rid in done:
            continue
        members = [s for s in syncs if sync.subset is not None and s.subset == sync.subset] or [sync]
        done.update(_rids(members))
        name = f"activate subset {sync.subset}" if len(members) > 1 else f"activate {sync.rid}"
        stages.append(Stage(name, "activate", _rids(members), len(members) > 1, hook))
    return stages


def _sync_stages(syncs: list[AnyResource], *steps: str, hook: str) -> list[Stage]:
    return [Stage(step, step, _rids(syncs), True, hook) for step in steps]


def _host_stages(selection: Sequence[AnyResource], verb: str, kinds: Sequence[str]) -> list[Stage]:
    return [
        Stage(f"{verb} {kind}", verb, _rids(_of_kind(selection, kind, verb)), False, verb) for kind in kinds
    ]


def _start(service: Service, selection: Sequence[AnyResource], syncs: list[AnyResource]) -> list[Stage]:
    rescan = [Stage(RESCAN_STAGE, "rescan", _rids(syncs), False, "start")]
    return [
        *_host_stages(selection, "start", ("ip",)),
        *_activate_stages(syncs, "start"),
        *_sync_stages(syncs, "wait_copied", hook="start"),
        *(rescan if get_profile(service.host_profile).rescans_targets else []),
        *_host_stages(selection, "start", ("disk", "fs", "app")),
    ]


def _stop(selection: Sequence[AnyResource], syncs: list[AnyResource]) -> list[Stage]:
    stages = _host_stages(selection, "stop", tuple(reversed(HOST_START_ORDER)))
    # Clone sets have nothing to stop; a stage only so their stop hooks/depends still run.
    hooked = [s for s in syncs if s.depends_on("stop") or any(k.endswith("_stop") for k in s.hooks)]
    return [*stages, Stage("stop sync", "noop", _rids(hooked), False, "stop")]


def _check_down(service: Service) -> Stage:
    # The whole service, whatever the selection: every host resource sits on the data replaced.
    host = [r for r in service.resources if not isinstance(r, SymcloneSync) and not r.disable]
    return Stage(CHECK_DOWN, CHECK_DOWN, _rids(host), False, "")


def runbook(
    service: Service, action: str, selection: Sequence[AnyResource] = (), *, stop_first: bool = False
) -> tuple[Stage, ...]:
    """The stages of `action` over the selected resources (all by default), in order."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; known: {', '.join(ACTIONS)}")
    if stop_first and action != "refresh":
        raise ValueError("stop_first applies to refresh only")
    selected = tuple(selection) or service.resources
    syncs = _of_kind(selected, "sync")
    stages: list[Stage]
    if action == "refresh":
        stop = _stop(selected, syncs) if stop_first else []
        update = _sync_stages(syncs, "recreate", "wait_activable", hook="sync_update")
        stages = [*stop, _check_down(service), *update, *_start(service, selected, syncs)]
    elif action in ("sync_update", "sync_resync"):
        stages = [_check_down(service), *_sync_stages(syncs, "recreate", "wait_activable", hook=action)]
        # OpenSVC's sync update (since 2016) activates too, for the clone sets that ask for it.
        activating = [
            s for s in syncs if action == "sync_update" and getattr(s, "sync_update_activates", False)
        ]
        stages += [
            *_activate_stages(activating, action),
            *_sync_stages(activating, "wait_copied", hook=action),
        ]
    elif action == "sync_break":
        stages = [*_activate_stages(syncs, action), *_sync_stages(syncs, "wait_copied", hook=action)]
    elif action == "start":
        stages = _start(service, selected, syncs)
    elif action == "stop":
        stages = _stop(selected, syncs)
    elif action in ("provision", "unprovision"):
        stages = _sync_stages(syncs, action, hook=action)
    else:  # sync_nodes, sync_drp
        stages = [Stage(action, "noop", _rids(syncs), False, action)]
    return tuple(s for s in stages if s.rids or s.step == CHECK_DOWN)


# --- running steps --------------------------------------------------------------------------


def _body(ctx: RunContext, step: str, resource: AnyResource, stage: str) -> Callable[[], object]:
    spec = STEPS[step]
    if step == "noop":
        return lambda: None
    if step == "rescan":
        if not isinstance(resource, SymcloneSync):
            raise ValueError(f"step rescan applies to sync resources, not {resource.rid}")
        return RescanDriver(ctx, resource, stage).rescan
    if spec.on_sync:
        if not isinstance(resource, SymcloneSync):
            raise ValueError(f"step {step} applies to sync resources, not {resource.rid}")
        clones = clone_set(ctx, resource)
        return getattr(clones, step)  # type: ignore[no-any-return]
    driver = host_driver(ctx, resource, stage)
    return driver.start if step == "start" else driver.stop


def run_step(
    ctx: RunContext,
    step: str,
    resource: AnyResource,
    *,
    hook_action: str = "",
    stage: str = "",
    depends_wait: float | None = None,
) -> ResourceActionResult:
    """One step on one resource, wrapped by run_resource_action with the seed action's keywords."""
    if step not in STEPS:
        raise ValueError(f"unknown step {step!r}; known: {', '.join(STEPS)}")
    spec = STEPS[step]
    action: Action = hook_action or spec.default_action  # type: ignore[assignment]
    stage = stage or step
    return run_resource_action(
        ctx,
        resource,
        action,
        lambda: _body(ctx, step, resource, stage)(),
        stage=stage,
        phase=spec.phase,
        depends_wait=depends_wait,
    )


def stage_node(service: Service, stage: Stage) -> str:
    spec = STEPS.get(stage.step)
    return str(service.symcli_node if spec is not None and spec.on_sync else service.node)


class StepRunner(Protocol):
    """How one step on one resource is run: `run_step` itself, or a Prefect task around it."""

    def __call__(
        self, ctx: RunContext, step: str, resource: AnyResource, *, hook_action: str, stage: str
    ) -> ResourceActionResult: ...


def _require_down(ctx: RunContext) -> None:
    require_service_down(ctx)


def _run_resources(ctx: RunContext, stage: Stage, runner: StepRunner) -> tuple[ResourceActionResult, ...]:
    resources = [ctx.service.resource(rid) for rid in stage.rids]

    def one(resource: AnyResource) -> ResourceActionResult:
        return runner(ctx, stage.step, resource, hook_action=stage.hook_action, stage=stage.name)

    if stage.parallel and len(resources) > 1:
        with ThreadPoolExecutor(max_workers=len(resources)) as pool:
            # Each thread gets a copy of the caller's context: a Prefect task started from it must
            # see the flow run it belongs to.
            futures = [pool.submit(contextvars.copy_context().run, one, r) for r in resources]
            return tuple(f.result() for f in futures)
    results: list[ResourceActionResult] = []
    for resource in resources:
        results.append(one(resource))
        if results[-1].failed:  # the next rid of a sequential stage builds on this one
            break
    return tuple(results)


def run_stage(
    ctx: RunContext,
    stage: Stage,
    *,
    step_runner: StepRunner = run_step,
    check_down: Callable[[RunContext], None] = _require_down,
) -> StageReport:
    """Run one stage. A failure is reported (outcome 'failed', error, error_type), never raised.

    The stage's commands are the journal entries added while it ran: stages of one run must not
    overlap (execute and the flows run them one after another; parallelism is within a stage).
    """
    first = len(ctx.journal.snapshot())
    started = time.time()
    results: tuple[ResourceActionResult, ...] = ()
    error = error_type = ""
    try:
        if stage.step == CHECK_DOWN:
            check_down(ctx)
        else:
            results = _run_resources(ctx, stage, step_runner)
            failed = [r for r in results if r.failed]
            error = "; ".join(f"{r.rid}: {r.message}" for r in failed)
            error_type = next((r.error_type or "" for r in failed), "")
    except ClonepilotError as exc:  # check_down refusing, or a resource whose driver cannot be built
        error, error_type = str(exc), type(exc).__name__
    return StageReport(
        name=stage.name,
        step=stage.step,
        rids=stage.rids,
        node=stage_node(ctx.service, stage),
        started=started,
        ended=time.time(),
        outcome="failed" if error else stage_outcome(results),
        results=results,
        commands=ctx.journal.snapshot()[first:],
        error=error,
        error_type=error_type,
    )


def execute(
    ctx: RunContext,
    stages: Sequence[Stage],
    *,
    action: str = "",
    step_runner: StepRunner = run_step,
    check_down: Callable[[RunContext], None] = _require_down,
    checkpoint: Checkpoint | None = None,
) -> RunReport:
    """Run the stages in order; stop at the first stage with a failed (non-optional) step.

    The stages after a failure are reported as not-run. A refresh refused by check_down has
    error_type 'ServiceNotDown' and changed nothing.
    """
    started = time.time()
    reports: list[StageReport] = []
    error = error_type = ""
    if checkpoint is not None:
        checkpoint.confirm(ctx, stages)  # resume, or start over saying why
    # The whole plan checked before its first change (imported here: plan_check reads this module).
    from clonepilot.engine.plan_check import check_plan

    if (refused := check_plan(ctx, stages, action=action, checkpoint=checkpoint)) is not None:
        return refused
    # Any other action that changes the service makes an unfinished refresh's checkpoint stale.
    supersedes = checkpoint is None and not ctx.dry_run and action not in ("", *RESUMABLE)
    for index, stage in enumerate(stages, start=1):
        if not error and ctx.stop.requested:
            error = f"stopped ({ctx.stop.reason}) before stage {index} ({stage.name})"
            error_type = "RunStopped"
        if error:
            node = stage_node(ctx.service, stage)
            reports.append(StageReport.not_run(stage.name, stage.step, stage.rids, node))
            continue
        if checkpoint is not None and checkpoint.skips(stage, stages[index:]):
            skipped = checkpoint.skipped_report(ctx, stage)  # None: a host stage to run again
            if skipped is not None:
                reports.append(skipped)
                continue
        if supersedes and stage.step != CHECK_DOWN:
            supersede(ctx.settings, ctx.service.name, action, ctx.logger)
            supersedes = False
        ctx.logger.info(
            "%s: stage %d/%d: %s %s", ctx.service.name, index, len(stages), stage.name, stage.rids
        )
        report = run_stage(ctx, stage, step_runner=step_runner, check_down=check_down)
        reports.append(report)
        ctx.logger.info(
            "%s: stage %s: %s in %.2fs", ctx.service.name, stage.name, report.outcome, report.duration
        )
        if report.outcome == "failed":
            error, error_type = f"stage {index} ({stage.name}) failed: {report.error}", report.error_type
        elif checkpoint is not None:
            checkpoint.mark_done(stage, ctx, since=report.started)
    if checkpoint is not None and not error:
        checkpoint.finish()
    return RunReport(
        service=ctx.service.name,
        action=action,
        dry_run=ctx.dry_run,
        stages=tuple(reports),
        commands=ctx.journal.snapshot(),
        started=started,
        ended=time.time(),
        error=error,
        error_type=error_type,
    )
