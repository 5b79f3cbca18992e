"""A run's whole plan checked before its first change: a run that would fail halfway fails at once.

Not `clonepilot check` (clonepilot/check/preflight.py), the read-only survey an administrator runs
before a first refresh: this check runs inside every run of an action (terminal, Prefect flow,
deployment, dry run and the plan an approval shows), from `execute`, over the stages about to run.
It gathers every problem before reporting, so one attempt names them all:

- order: a selection that would give the clone sets points in time the database cannot recover
  from, or keep a subset apart (plan_order.py);
- depends: conditions that wait for each other, or on states the plan itself rules out;
- host values: what the ip, vg and fs commands would be built from (a host name that does not
  resolve, a value the host profile refuses);
- pairs: each clone set read once, its pairs taken through every clone step of the plan with the
  step's own rules; the array, the devices, the group (plan_pairs.py);
- claims: a target another service file claims while that service is not down (plan_claims.py).

A problem of an optional resource is logged as a warning: the run would pass its failure over.
The reads cost nothing extra: each clone set's read is kept for its first step (CloneSet.read),
and nothing else is read unless a device is shared or something already failed.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from clonepilot.config.models import FsResource, IpResource, VgResource
from clonepilot.engine.context import RunContext
from clonepilot.engine.host import ProfileDriver
from clonepilot.engine.plan_claims import claim_problems
from clonepilot.engine.plan_order import cycle_problems, depends_problems, order_problems
from clonepilot.engine.plan_pairs import pair_problems
from clonepilot.engine.plan_problems import PLAN_STAGE, PLAN_STEP, PlanProblem
from clonepilot.engine.report import RunReport, StageReport
from clonepilot.engine.resource import ResourceActionResult
from clonepilot.engine.service import check_service_down
from clonepilot.errors import ClonepilotError, PermanentError
from clonepilot.hostprofiles import render_action

if TYPE_CHECKING:
    from clonepilot.engine.checkpoint import Checkpoint
    from clonepilot.engine.runbook import Stage

__all__ = ["PLAN_STAGE", "PLAN_STEP", "PlanRefused", "check_plan"]


class PlanRefused(PermanentError):
    """The run's plan cannot complete: refused before its first change, naming every problem."""


def _host_value_problems(ctx: RunContext, stages: Sequence[Stage]) -> list[PlanProblem]:
    """The ip, vg and fs commands the stages would build, built now: a refusal comes before any change."""
    problems: list[PlanProblem] = []
    seen: set[tuple[str, str]] = set()
    for stage in stages:
        if stage.step not in ("start", "stop"):
            continue
        for rid in stage.rids:
            resource = ctx.service.resource(rid)
            if not isinstance(resource, IpResource | VgResource | FsResource) or (rid, stage.step) in seen:
                continue
            seen.add((rid, stage.step))
            if resource.disable or resource.noaction:
                continue
            driver = ProfileDriver(ctx, resource, PLAN_STAGE)
            try:
                render_action(driver.profile, driver.kind, stage.step, driver.values())
            except (ClonepilotError, ValueError) as exc:
                problems.append(
                    PlanProblem.of(
                        resource,
                        f"stage {stage.name!r}: cannot build the {driver.kind} {stage.step} commands: {exc}; "
                        f"fix [{rid}] in {ctx.service.path}",
                    )
                )
    return problems


def _runs(stage: Stage, rest: Sequence[Stage], checkpoint: Checkpoint | None) -> bool:
    """Whether the stage's clone steps run: a resumed run skips those the interrupted one completed.

    Host stages are counted as running either way: a resumed run may run them again, and their
    resources end in the state the stage leaves whether it runs or finds them there.
    """
    from clonepilot.engine.runbook import STEPS

    if checkpoint is None or not checkpoint.skips(stage, rest):
        return True
    spec = STEPS.get(stage.step)
    return spec is None or not spec.on_sync


def _problems(
    ctx: RunContext, stages: Sequence[Stage], running: Sequence[Stage], action: str
) -> list[PlanProblem]:
    service = ctx.service
    problems = [*order_problems(service, stages, action), *cycle_problems(service)]
    problems += depends_problems(service, running)
    problems += _host_value_problems(ctx, running)
    problems += pair_problems(ctx, running)
    problems += claim_problems(ctx, running)
    return problems


def _down_check_problem(ctx: RunContext, running: Sequence[Stage]) -> list[PlanProblem]:
    """When the plan is refused anyway, the down check it starts with too: one attempt names all."""
    from clonepilot.engine.runbook import CHECK_DOWN

    if not running or running[0].step != CHECK_DOWN:
        return []
    still_up = check_service_down(ctx)
    if not still_up:
        return []
    listed = "; ".join(f"{r.rid} is {r.status}{f' ({r.reason})' if r.reason else ''}" for r in still_up)
    return [PlanProblem("", f"the service is not down: {listed}; stop it first (or refresh with stop first)")]


def check_plan(
    ctx: RunContext, stages: Sequence[Stage], *, action: str = "", checkpoint: Checkpoint | None = None
) -> RunReport | None:
    """None when the plan can run; else the run's report, refused at a first stage 'check plan'.

    The report reads like that of a run whose first stage failed: error and error_type
    ('PlanRefused'), one failed result per problem, every stage of the plan not run.
    """
    from clonepilot.engine.runbook import stage_node

    started = time.time()
    first = len(ctx.journal.snapshot())
    running = [s for i, s in enumerate(stages, start=1) if _runs(s, stages[i:], checkpoint)]
    found = _problems(ctx, stages, running, action)
    for problem in (p for p in found if p.optional):
        ctx.logger.warning("%s: %s (optional: the run passes its failure over)", problem.rid, problem.message)
    refused = [p for p in found if not p.optional]
    if not refused:
        ctx.logger.info("%s: plan checked: %d stage(s), nothing in the way", ctx.service.name, len(running))
        return None
    refused += _down_check_problem(ctx, running)
    name = ctx.service.name
    results = tuple(
        ResourceActionResult(p.rid or name, PLAN_STEP, "failed", p.message, 0.0, 0, PlanRefused.__name__)
        for p in refused
    )
    count = f"{len(refused)} problem{'s' if len(refused) > 1 else ''}"
    error = f"{count}, nothing was changed: " + "; ".join(f"{p.rid or name}: {p.message}" for p in refused)
    for problem in refused:
        ctx.logger.error("%s: %s", problem.rid or name, problem.message)
    rids = tuple(dict.fromkeys(rid for s in stages for rid in s.rids))
    node = str(ctx.service.symcli_node)
    plan = StageReport(
        PLAN_STAGE,
        PLAN_STEP,
        rids,
        node,
        started,
        time.time(),
        "failed",
        results,
        ctx.journal.snapshot()[first:],
        error,
        PlanRefused.__name__,
    )
    runs = {id(s) for s in running}
    rest = [
        (StageReport.not_run if id(s) in runs else StageReport.done_earlier)(
            s.name, s.step, s.rids, stage_node(ctx.service, s)
        )
        for s in stages
    ]
    return RunReport(
        service=name,
        action=action,
        dry_run=ctx.dry_run,
        stages=(plan, *rest),
        commands=ctx.journal.snapshot(),
        started=started,
        ended=time.time(),
        error=f"{PLAN_STAGE} failed: {error}",
        error_type=PlanRefused.__name__,
    )
