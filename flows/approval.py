"""A person's approval before a run changes anything: Prefect's pause and resume, with the plan shown.

A run that needs approval (the service's `approval` keyword lists its action, or the run was asked
with `approval=True`) first computes its dry-run plan from the array's state now, the exact commands
the real run would send, and pauses. The Prefect UI shows the plan on the run's Resume form (and as
a markdown artifact); the person ticks `approve` and resumes. Resumed unticked, the run is rejected;
not resumed within `approval_timeout`, it fails. Either way nothing was changed: no state-changing
command runs before the answer.
"""

from __future__ import annotations

import logging
from typing import Any

from prefect.artifacts import create_markdown_artifact
from prefect.exceptions import FlowPauseTimeout
from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput
from pydantic import Field

from clonepilot.config.models import Service
from clonepilot.engine.report import RunReport
from clonepilot.errors import PermanentError
from flows.artifacts import artifact_key

Logger = logging.Logger | logging.LoggerAdapter[Any]

# The paused run reads its state from the server this often: one cheap API read, and a person
# does not notice a second.
POLL_SECONDS = 1


class Approval(RunInput):
    """The Resume form of a run that waits for approval."""

    approve: bool = Field(
        False,
        description="Tick to run the plan shown above. Resume without ticking to reject it: nothing changes.",
    )
    comment: str = Field("", description="Why, for the run's logs (optional).")


class ApprovalRejected(PermanentError):
    """The person resumed the run without approving it; nothing was changed."""


class ApprovalTimedOut(PermanentError):
    """Nobody answered within approval_timeout; nothing was changed."""


def needs_approval(service: Service, action: str, requested: bool | None, *, dry_run: bool) -> bool:
    """The run's own choice if it made one, else the service's `approval` keyword; dry runs never."""
    if dry_run:
        return False
    if requested is not None:
        return requested
    return action in service.approval


def plan_markdown(service: Service, action: str, plan: RunReport, timeout: int) -> str:
    """What the person approves: the stages and the exact commands, from the array's state now."""
    what = f"{action.replace('_', ' ')} of {service.name}"
    nodes = ", ".join(str(n) for n in service.nodes)
    return "\n".join(
        [
            f"## Approve the {what}?",
            "",
            f"Nodes: {nodes}; symcli on {service.symcli_node}. The plan below was computed from the"
            " array's and the hosts' state when the run paused; the run reads them again before each"
            " step, so it only sends what is still needed.",
            "",
            "```",
            plan.summary(),
            "```",
            "",
            f"Tick **approve** and resume to run it. Resume without ticking to reject it. Without an"
            f" answer within {timeout} s the run fails. In both cases nothing is changed.",
        ]
    )


def ask_approval(service: Service, action: str, plan: RunReport, *, timeout: int, logger: Logger) -> Approval:
    """Pause the flow run until a person answers; return the approval or raise why not."""
    what = f"{action.replace('_', ' ')} of {service.name}"
    markdown = plan_markdown(service, action, plan, timeout)
    create_markdown_artifact(
        markdown=markdown,
        key=artifact_key(f"{service.name}-{action}-plan"),
        description=f"plan of the {what}, waiting for approval",
    )
    pending = [e for e in plan.commands if not e.executed]
    logger.info(
        "%s waits for approval (up to %d s): resume the run in the Prefect UI to answer; %d command(s) "
        "would change something:%s",
        what,
        timeout,
        len(pending),
        "".join(f"\n  {e.node}: {e.command}" for e in pending),
    )
    form = Approval.with_initial_data(description=markdown, approve=False)
    try:
        answer = pause_flow_run(wait_for_input=form, timeout=timeout, poll_interval=POLL_SECONDS)
    except FlowPauseTimeout:
        message = (
            f"{what} was not approved within {timeout} s (setting approval_timeout): nothing was changed;"
            " run it again to ask again"
        )
        # The server ends an expired pause with its own message ("paused and never resumed"):
        # ours reaches the UI through the logs.
        logger.error("%s", message)
        raise ApprovalTimedOut(message) from None
    comment = f" ({answer.comment})" if answer.comment else ""
    if not answer.approve:
        raise ApprovalRejected(f"{what} was rejected{comment}: nothing was changed")
    logger.info("%s approved%s", what, comment)
    return answer
