"""Clone targets another service file of the services directory also claims, while it is not down.

`validate --all` names every device two service files claim where one of them is a target
(config/claims.py). A run that would change such a target (recreate, activate, provision,
unprovision) reads the other service's status first, with its down check's rule: if anything of
it is not down, its data may sit on that device, and the run is refused naming the device, the
other file and section, and what is up there. Nothing is read when no device is shared.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from clonepilot.config import check_service_file, list_services
from clonepilot.config.claims import Claim, SharedDevice, shared_devices
from clonepilot.config.models import Service
from clonepilot.engine.context import RunContext
from clonepilot.engine.plan_problems import PlanProblem
from clonepilot.engine.service import check_service_down
from clonepilot.errors import ClonepilotError

if TYPE_CHECKING:
    from clonepilot.engine.runbook import Stage

# The steps that change what a clone target holds.
TARGET_CHANGING_STEPS = frozenset({"recreate", "activate", "provision", "unprovision"})


def _others(service: Service) -> list[Service]:
    """The other valid service files of the directory this one was read from (invalid ones: validate)."""
    directory = service.path.parent
    others = []
    for name in list_services(directory):
        path = directory / f"{name}.conf"
        if path.resolve() == Path(service.path).resolve():
            continue
        other, _ = check_service_file(path)
        if other is not None:
            others.append(other)
    return others


def _not_down(ctx: RunContext, other: Service) -> str:
    """'' when the other service is down, else what is not (or why that cannot be told)."""
    try:
        with RunContext(other, ctx.settings, ssh_options=ctx.pool.ssh_options, logger=ctx.logger) as theirs:
            still_up = check_service_down(theirs)
    except ClonepilotError as exc:
        return f"its status cannot be read ({exc})"
    return "; ".join(f"{r.rid} is {r.status}{f' ({r.reason})' if r.reason else ''}" for r in still_up)


def claim_problems(ctx: RunContext, stages: Sequence[Stage]) -> list[PlanProblem]:
    """Each target the stages change that another service file claims while that service is not down."""
    service = ctx.service
    changed = {
        rid
        for stage in stages
        if stage.step in TARGET_CHANGING_STEPS
        for rid in stage.rids
        if not service.resource(rid).disable and not service.resource(rid).noaction
    }
    if not changed:
        return []
    others = _others(service)
    if not others:
        return []
    mine = str(service.path)

    def ours(claim: Claim) -> bool:
        return claim.path == mine and claim.role == "target" and claim.rid in changed

    shared: list[tuple[SharedDevice, Claim]] = [
        (device, claim)
        for device in shared_devices([service, *others])
        for claim in device.claims
        if ours(claim)
    ]
    by_name = {o.name: o for o in others}
    status: dict[str, str] = {}
    problems: list[PlanProblem] = []
    for device, claim in shared:
        for theirs in (c for c in device.claims if c.path != mine):
            if theirs.service not in status:
                status[theirs.service] = _not_down(ctx, by_name[theirs.service])
            up = status[theirs.service]
            if not up:
                ctx.logger.info(
                    "%s: %s device %s is also the %s of %s [%s]; service %s is down: going on",
                    claim.rid,
                    device.where,
                    device.device,
                    theirs.role,
                    theirs.path,
                    theirs.rid,
                    theirs.service,
                )
                continue
            problems.append(
                PlanProblem.of(
                    service.resource(claim.rid),
                    f"target {device.device} ({device.where}) of [{claim.rid}] is also the {theirs.role} of "
                    f"{theirs.path} [{theirs.rid}], and service {theirs.service} is not down: {up}. Changing "
                    f"it would pull the storage from under {theirs.service}: fix pairs in [{claim.rid}] of "
                    f"{mine} if the device is not this service's, or stop {theirs.service} first",
                )
            )
    return problems
