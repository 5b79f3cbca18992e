"""`<action>_depends`: wait until named resources are in wanted states, or fail saying which is not.

A resource's state is its driver's status word (up, down, warn, n/a, undef): the clone set's for
a sync resource, the host driver's for the others. There is no standby in clonepilot, so the
'stdby up' of the default states never matches; 'up' does.
"""

from __future__ import annotations

import time

from clonepilot.config.depends import DependsCondition
from clonepilot.config.models import Action, AnyResource, SymcloneSync
from clonepilot.engine.clones import clone_set
from clonepilot.engine.context import RunContext
from clonepilot.engine.host import host_driver
from clonepilot.engine.status import ResourceStatusReport, Status
from clonepilot.errors import ClonepilotError, PermanentError


class DependsNotMet(PermanentError):
    """A `*_depends` condition still failed when the wait ran out."""


def read_status(ctx: RunContext, resource: AnyResource, stage: str = "status") -> ResourceStatusReport:
    """The status of any resource through its driver; read-only. Errors reading it give undef."""
    if resource.disable:
        # Ignored on start and stop (seed), so its state says nothing about the service.
        return ResourceStatusReport(resource.rid, Status.NA, "disabled")
    try:
        if isinstance(resource, SymcloneSync):
            return clone_set(ctx, resource).status()
        return host_driver(ctx, resource, stage).status()
    except (ClonepilotError, ValueError) as exc:
        # ValueError: a value the host profile refuses; the status cannot be read, as for a dead node.
        return ResourceStatusReport(resource.rid, Status.UNDEF, f"cannot read status: {exc}")


def _unmet(
    ctx: RunContext, conditions: tuple[DependsCondition, ...], stage: str
) -> list[tuple[DependsCondition, ResourceStatusReport]]:
    unmet = []
    for condition in conditions:
        report = read_status(ctx, ctx.service.resource(condition.rid), stage)
        if report.status.value not in condition.states:
            unmet.append((condition, report))
    return unmet


def _describe(unmet: list[tuple[DependsCondition, ResourceStatusReport]]) -> str:
    return "; ".join(
        f"{c.rid} is {r.status}{f' ({r.reason})' if r.reason else ''}, wanted {' or '.join(c.states)}"
        for c, r in unmet
    )


def check_depends(
    ctx: RunContext,
    resource: AnyResource,
    action: Action,
    *,
    max_wait: float | None = None,
    stage: str = "depends",
) -> str:
    """Wait (polling, at most max_wait seconds) for resource's `<action>_depends`; '' if none.

    Returns a line saying what was checked. Raises DependsNotMet naming each resource, its state
    and the wanted states. A dry run changes nothing, so a state an earlier step would have
    reached never comes: it checks once and reports an unmet condition without failing.
    """
    conditions = resource.depends_on(action)
    if not conditions:
        return ""
    if max_wait is None:
        max_wait = ctx.settings.depends_wait
    for condition in conditions:
        ctx.service.resource(condition.rid)  # KeyError for a rid the service lacks: a config bug
    deadline = time.monotonic() + max_wait
    interval = ctx.settings.poll_interval_min
    while True:
        unmet = _unmet(ctx, conditions, stage)
        if not unmet:
            return f"{action}_depends met: {' '.join(map(str, conditions))}"
        if ctx.dry_run:
            waited = f"a real run would wait up to {max_wait:g} s"
            return f"{action}_depends not met now ({waited}): {_describe(unmet)}"
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise DependsNotMet(
                f"{resource.rid}: {action} refused after waiting {max_wait:g} s: {_describe(unmet)}"
            )
        ctx.stop.pause(min(interval, remaining))
        interval = min(interval * 2, ctx.settings.poll_interval_max)
