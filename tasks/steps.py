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


def _step(
    ctx: RunContext, step: str, resource: AnyResource, hook_action: str, stage: str
) -> ResourceActionResult:
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


@task(name="recreate clones", **_OPTIONS)
def recreate_clones(
    ctx: RunContext, resource: AnyResource, hook_action: str, stage: str
) -> ResourceActionResult:
    return _step(ctx, "recreate", resource, hook_action, stage)


@task(name="wait for precopy", **_OPTIONS)
def wait_for_precopy(
    ctx: RunContext, resource: AnyResource, hook_action: str, stage: str
) -> ResourceActionResult:
    return _step(ctx, "wait_activable", resource, hook_action, stage)


@task(name="activate clones", **_OPTIONS)
def activate_clones(
    ctx: RunContext, resource: AnyResource, hook_action: str, stage: str
) -> ResourceActionResult:
    return _step(ctx, "activate", resource, hook_action, stage)


@task(name="wait for copied", **_OPTIONS)
def wait_for_copied(
    ctx: RunContext, resource: AnyResource, hook_action: str, stage: str
) -> ResourceActionResult:
    return _step(ctx, "wait_copied", resource, hook_action, stage)


@task(name="create clones", **_OPTIONS)
def create_clones(
    ctx: RunContext, resource: AnyResource, hook_action: str, stage: str
) -> ResourceActionResult:
    return _step(ctx, "provision", resource, hook_action, stage)


@task(name="terminate clones", **_OPTIONS)
def terminate_clones(
    ctx: RunContext, resource: AnyResource, hook_action: str, stage: str
) -> ResourceActionResult:
    return _step(ctx, "unprovision", resource, hook_action, stage)


@task(name="start resource", **_OPTIONS)
def start_resource(
    ctx: RunContext, resource: AnyResource, hook_action: str, stage: str
) -> ResourceActionResult:
    return _step(ctx, "start", resource, hook_action, stage)


@task(name="stop resource", **_OPTIONS)
def stop_resource(
    ctx: RunContext, resource: AnyResource, hook_action: str, stage: str
) -> ResourceActionResult:
    return _step(ctx, "stop", resource, hook_action, stage)


@task(name="run hooks", **_OPTIONS)
def run_hooks(ctx: RunContext, resource: AnyResource, hook_action: str, stage: str) -> ResourceActionResult:
    return _step(ctx, "noop", resource, hook_action, stage)


STEP_TASKS = {
    "recreate": recreate_clones,
    "wait_activable": wait_for_precopy,
    "activate": activate_clones,
    "wait_copied": wait_for_copied,
    "provision": create_clones,
    "unprovision": terminate_clones,
    "start": start_resource,
    "stop": stop_resource,
    "noop": run_hooks,
}
