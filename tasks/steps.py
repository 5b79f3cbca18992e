"""The stages of an action as Prefect tasks, named after the stage they run.

Each task is one step on one resource (or the down check of the whole service) and delegates to
clonepilot.engine. A failed step raises StepFailed so the task run shows as failed in the UI;
transient errors were already retried with backoff inside the step (the engine re-reads the
array's state before acting, which is what makes repeating safe).
"""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from clonepilot.config.models import AnyResource
from clonepilot.engine.context import RunContext
from clonepilot.engine.resource import ResourceActionResult
from clonepilot.engine.runbook import run_step
from clonepilot.engine.service import ServiceNotDown, check_service_down
from clonepilot.engine.status import ResourceStatusReport
from clonepilot.errors import ClonepilotError


class StepFailed(ClonepilotError):
    """A step's non-optional failure; carries the step's result for the run report."""

    def __init__(self, result: ResourceActionResult) -> None:
        super().__init__(f"{result.rid}: {result.action}: {result.message}")
        self.result = result


# The run context holds live SSH connections: it is passed by reference, never cached or persisted.
_OPTIONS = {"cache_policy": NO_CACHE, "persist_result": False}


@task(**_OPTIONS)
def run_stage_step(
    ctx: RunContext, step: str, resource: AnyResource, hook_action: str, stage: str
) -> ResourceActionResult:
    """One step of a stage on one resource; named after the stage by STEP_TASKS below."""
    result = run_step(ctx, step, resource, hook_action=hook_action, stage=stage)
    if result.failed:
        raise StepFailed(result)
    return result


@task(name="check service down", **_OPTIONS)
def check_service_is_down(ctx: RunContext) -> list[ResourceStatusReport]:
    """Refuse, before any change, while a resource on the replaced data is still up."""
    still_up = check_service_down(ctx)
    if still_up:
        raise ServiceNotDown(ctx.service.name, still_up)
    return still_up


# The step names of clonepilot.engine.runbook, and the task name each shows in the Prefect UI.
STEP_TASKS = {
    step: run_stage_step.with_options(name=name)
    for step, name in {
        "recreate": "recreate clones",
        "wait_activable": "wait for precopy",
        "activate": "activate clones",
        "wait_copied": "wait for copied",
        "rescan": "rescan targets",
        "provision": "create clones",
        "unprovision": "terminate clones",
        "start": "start resource",
        "stop": "stop resource",
        "noop": "run hooks",
    }.items()
}
