"""The order a run's plan must keep: which clone sets go together, and depends it can meet.

Point in time: the clone sets of one service are refreshed in rid order, the data (sync#1) before
the archived logs (sync#2), so that the logs always end later than the data and the database can
recover. A run that recreates or activates a clone set must therefore take every later one along,
and a subset's members together: `refresh --rid sync#1` alone would leave the logs older than the
data. Such a selection is refused naming the rids to add, rather than widened behind the user's
back: they chose a subset, they should see and choose the full one.

Depends: a `<action>_depends` condition on a resource whose state the plan itself decides (checked
down by the down check, started or stopped by an earlier stage, disabled) either holds when its
step comes or never will; one that never will is refused before the first change, with the stage
that would have brought it too late. Conditions that wait for each other are refused too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from clonepilot.config.depends import depends_cycles
from clonepilot.config.models import Action, AnyResource, Service, SymcloneSync
from clonepilot.config.order import start_order
from clonepilot.engine.plan_problems import PlanProblem

if TYPE_CHECKING:
    from clonepilot.engine.runbook import Stage

# The steps that give a clone set a new point in time (recreate prepares it, activate fixes it).
POINT_IN_TIME_STEPS = frozenset({"recreate", "activate"})
# Host steps and the state they leave their resources in.
_LEAVES = {"start": "up", "stop": "down"}


def _acting(service: Service) -> list[SymcloneSync]:
    """The clone sets a run of the whole service changes (disabled and noaction ones it skips)."""
    return [s for s in service.syncs if not s.disable and not s.noaction]


def order_problems(service: Service, stages: Sequence[Stage], action: str) -> list[PlanProblem]:
    """Clone sets the plan changes without the later ones, or without the rest of their subset."""
    touched = {rid for s in stages if s.step in POINT_IN_TIME_STEPS for rid in s.rids}
    acting = _acting(service)
    changed = [s for s in acting if s.rid in touched]
    if not changed:
        return []
    position = {s.rid: index for index, s in enumerate(start_order(acting))}
    first = min(changed, key=lambda s: position[s.rid])
    later = [s.rid for s in acting if position[s.rid] > position[first.rid] and s.rid not in touched]
    subsets = {s.subset for s in changed if s.subset is not None}
    together = [s.rid for s in acting if s.subset in subsets and s.rid not in touched and s.rid not in later]
    missing = [*later, *together]
    if not missing:
        return []
    what = action.replace("_", " ") or "run"
    selected = ", ".join(s.rid for s in changed)
    reasons = []
    if later:
        reasons.append(
            f"{', '.join(later)} come{'s' if len(later) == 1 else ''} after {first.rid} in rid order and "
            "must hold a later point in time (the archived logs after the data), or the database "
            "cannot recover"
        )
    for subset in sorted(subsets):
        members = [rid for rid in together if service.resource(rid).subset == subset]
        if members:
            with_them = ", ".join(s.rid for s in changed if s.subset == subset)
            verb = "is" if len(members) == 1 else "are"
            reasons.append(f"{', '.join(members)} {verb} in subset {subset} with {with_them}")
    adds = " ".join(f"--rid {rid}" for rid in missing)
    return [
        PlanProblem(
            first.rid,
            f"a {what} of {selected} must take {', '.join(missing)} along: {'; '.join(reasons)}. Add "
            f"{adds} (or --rid sync for every clone set of {service.name})",
        )
    ]


def cycle_problems(service: Service) -> list[PlanProblem]:
    """Conditions that wait for each other (validate refuses them; a Service built otherwise may not)."""
    return [
        PlanProblem(
            cycle[0],
            f"{action}_depends conditions wait for each other: {' → '.join(cycle)}, so the {action} "
            f"can never run; remove one of them in {service.path}",
        )
        for action, cycle in depends_cycles({r.rid: r.depends for r in service.resources})
    ]


def _state_before(
    service: Service, stages: Sequence[Stage], index: int, position: int, rid: str
) -> tuple[str | None, str]:
    """The state `rid` is in when stage `index` reaches its resource at `position`, if the plan decides it.

    Returns (state, why); state None when only the array or the host can tell.
    """
    resource = service.resource(rid)
    if resource.disable:
        return "n/a", f"{rid} is disabled"
    decided: tuple[str | None, str] = (None, "")
    for number, stage in enumerate(stages[: index + 1]):
        if rid not in stage.rids:
            continue
        # Within a stage run one after another, an earlier rid is done when a later one starts.
        if number == index and (stage.parallel or stage.rids.index(rid) >= position):
            break
        if stage.step in _LEAVES and not isinstance(resource, SymcloneSync) and not resource.noaction:
            decided = (_LEAVES[stage.step], f"stage {stage.name!r} leaves {rid} {_LEAVES[stage.step]}")
    if decided[0] is not None:
        return decided
    from clonepilot.engine.runbook import CHECK_DOWN

    checked = any(s.step == CHECK_DOWN for s in stages[:index])
    if checked and not isinstance(resource, SymcloneSync) and not resource.nostatus:
        return "down", f"the down check found {rid} down (it must be, for the run to go on)"
    return None, ""


def _later_stage(stages: Sequence[Stage], index: int, rid: str) -> str:
    for stage in stages[index:]:
        if rid in stage.rids and stage.step in _LEAVES:
            verb = "started" if stage.step == "start" else "stopped"
            return f"; {rid} is {verb} only later, by stage {stage.name!r}"
    return ""


def depends_problems(service: Service, stages: Sequence[Stage]) -> list[PlanProblem]:
    """Conditions of the plan's steps on resources the plan leaves in another state when they are read."""
    from clonepilot.engine.runbook import STEPS

    problems: list[PlanProblem] = []
    for index, stage in enumerate(stages):
        spec = STEPS.get(stage.step)
        if spec is None or not spec.phase.pre:
            continue  # depends are read with the first step of an action only (resource.Phase)
        action: Action = stage.hook_action or spec.default_action  # type: ignore[assignment]
        for position, rid in enumerate(stage.rids):
            resource: AnyResource = service.resource(rid)
            if resource.disable or resource.noaction:
                continue  # skipped before its depends are read
            for condition in resource.depends_on(action):
                state, why = _state_before(service, stages, index, position, condition.rid)
                if state is None or state in condition.states:
                    continue
                later = _later_stage(stages, index + 1, condition.rid)
                problems.append(
                    PlanProblem.of(
                        resource,
                        f"stage {stage.name!r}: {action}_depends {condition} of [{rid}] cannot hold: {why}, "
                        f"not {' or '.join(condition.states)}{later}; "
                        f"fix {action}_depends in [{rid}] of {service.path}",
                    )
                )
    return problems
