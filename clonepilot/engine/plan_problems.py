"""One problem the plan check (engine/plan_check.py) finds in a run's plan before its first change."""

from __future__ import annotations

from dataclasses import dataclass

from clonepilot.config.models import AnyResource

PLAN_STAGE = "check plan"
PLAN_STEP = "check_plan"


@dataclass(frozen=True)
class PlanProblem:
    """What would make the run fail halfway: the resource, what is wrong where, and what to do.

    `optional`: the resource is optional, so the run would pass its failure over; the check only
    warns about it.
    """

    rid: str  # '' for the service as a whole
    message: str
    optional: bool = False

    @classmethod
    def of(cls, resource: AnyResource, message: str) -> PlanProblem:
        return cls(resource.rid, message, resource.optional)
