"""The clone sets of a run's plan, read once and walked through its stages before the first change.

Each selected clone set is read once (its CloneSet keeps that read for its first step, so the run
makes no more reads than before). The pairs are then taken through the plan's clone steps in
order, with the states each step leaves (as a dry run's overlay does), and every step's own rule
is applied (symcli/plan.py for recreate and activate, the waits' paths, the -consistent refusal,
provision and unprovision's refusals): a run whose second stage would be refused is refused at the
start instead, having changed nothing. A read that fails names its cause: an array the symcli node
does not see, each device missing from it, a device group missing or lacking a logical device.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from clonepilot.check.reads import resolve_sid
from clonepilot.config.models import Service, SymcloneSync
from clonepilot.engine.clones import clone_set
from clonepilot.engine.clones_model import CloneSnapshot, MissingDevicesError, PairView
from clonepilot.engine.clones_wait import ACTIVABLE, COPIED, WaitGoal, off_path
from clonepilot.engine.context import RunContext
from clonepilot.engine.plan_problems import PLAN_STAGE, PlanProblem
from clonepilot.errors import ClonepilotError
from clonepilot.symcli import (
    CloneState,
    Operation,
    PairState,
    SymcliError,
    SymcliErrorKind,
    SymmArray,
    check,
    parse_symcfg_list,
    plan_operation,
    symcfg_list,
    symdev_list,
)

if TYPE_CHECKING:
    from clonepilot.engine.runbook import Stage

CLONE_STEPS = frozenset({"recreate", "wait_activable", "activate", "wait_copied", "provision", "unprovision"})
# Reads side by side, as the status reads do: each is one short SYMCLI call.
_READ_WORKERS = 4


class _Walk:
    """One clone set's pairs as the plan's steps leave them; stops at its first problem."""

    def __init__(self, service: Service, resource: SymcloneSync, snapshot: CloneSnapshot) -> None:
        self.service = service
        self.resource = resource
        self.snapshot = snapshot
        self.problem: PlanProblem | None = None

    def _refuse(self, stage: str, text: str, todo: str) -> None:
        self.problem = PlanProblem.of(self.resource, f"stage {stage!r}: {text}; {todo}")

    def _fix(self) -> str:
        return f"fix pairs in [{self.resource.rid}] of {self.service.path}"

    def _set(self, change: Callable[[PairView], tuple[CloneState | None, int | None] | None]) -> None:
        pairs = []
        for pair in self.snapshot.pairs:
            changed = change(pair)
            if changed is not None:
                pair = dataclasses.replace(pair, state=changed[0], percent=changed[1], other_source=None)
            pairs.append(pair)
        self.snapshot = dataclasses.replace(self.snapshot, pairs=tuple(pairs))

    def step(self, step: str, stage: str) -> None:
        if self.problem is not None:
            return
        if step in ("recreate", "activate"):
            self._control(Operation(step), stage)
        elif step in ("wait_activable", "wait_copied"):
            self._wait(ACTIVABLE if step == "wait_activable" else COPIED, stage)
        elif step == "provision":
            self._provision(stage)
        elif step == "unprovision":
            self._unprovision(stage)

    def _control(self, operation: Operation, stage: str) -> None:
        by_key = {p.key: p for p in self.snapshot.pairs}
        states = [PairState(p.src, p.tgt, p.state, p.other_source) for p in self.snapshot.pairs]
        plan = plan_operation(operation, states)
        reasons = [f"{by_key[f'{b.pair.src}:{b.pair.tgt}'].describe()}: {b.reason}" for b in plan.blocked]
        foreign = any(b.pair.other_source is not None for b in plan.blocked)
        if reasons:
            todo = (
                "terminate that session if it is not needed any more, or " + self._fix()
                if foreign
                else "query the pairs (symclone query) and bring them to a state it can start from"
            )
            self._refuse(stage, f"cannot {operation.value}: {'; '.join(reasons)}", todo)
            return
        if plan.needs_create:
            keys = ", ".join(f"{s.src}:{s.tgt}" for s in plan.needs_create)
            self._refuse(
                stage,
                f"cannot {operation.value}: no clone session on {keys}",
                f"create it first (clonepilot -s {self.service.name} provision)",
            )
            return
        needed = {f"{s.src}:{s.tgt}" for s in plan.needed}
        if operation is Operation.ACTIVATE and self.resource.consistent and plan.needed and plan.done:
            done = ", ".join(by_key[f"{s.src}:{s.tgt}"].describe() for s in plan.done)
            self._refuse(
                stage,
                f"cannot activate only {len(plan.needed)} of {len(self.snapshot.pairs)} pairs with "
                f"-consistent: {done} already activated (another point in time)",
                f"resync the resource (clonepilot -s {self.service.name} sync resync --rid "
                f"{self.resource.rid}, then sync break)",
            )
            return
        if operation is Operation.RECREATE:
            state = CloneState.PRECOPY if self.resource.precopy else CloneState.RECREATED
            self._set(lambda p: (state, None) if p.key in needed else None)
        else:
            self._set(
                lambda p: (
                    None
                    if p.key not in needed
                    else (
                        (CloneState.COPIED, 100)
                        if (p.percent or 0) >= 100
                        else (CloneState.COPY_IN_PROG, p.percent)
                    )
                )
            )

    def _wait(self, goal: WaitGoal, stage: str) -> None:
        stray = off_path(goal, self.snapshot)
        if stray:
            self._refuse(
                stage,
                f"cannot reach the {goal.label}: {', '.join(p.describe() for p in stray)} cannot get there "
                "without another symclone action",
                "query the pairs (symclone query) and fix their state first",
            )
            return
        # What the wait ends with, as a dry run's wait assumes it (CloneSet._dry_wait).
        reached = CloneState.COPIED if goal is COPIED else None
        self._set(
            lambda p: (
                None
                if goal.reached(p)
                else (
                    reached or (CloneState.CREATED if p.state is CloneState.CREATE_IN_PROG else p.state),
                    100,
                )
            )
        )

    def _provision(self, stage: str) -> None:
        foreign = [p for p in self.snapshot.pairs if p.other_source is not None]
        if foreign:
            self._refuse(
                stage,
                f"cannot provision: {', '.join(p.describe() for p in foreign)}: the target is already "
                "cloned from another source",
                "terminate that session first, or " + self._fix(),
            )
            return
        state = CloneState.PRECOPY if self.resource.precopy else CloneState.CREATED
        self._set(lambda p: (state, 0) if p.state is None else None)

    def _unprovision(self, stage: str) -> None:
        restoring = [
            p for p in self.snapshot.pairs if p.state is CloneState.REST_IN_PROG and p.other_source is None
        ]
        if restoring:
            self._refuse(
                stage,
                f"cannot unprovision: a restore to the source is in progress on "
                f"{', '.join(p.describe() for p in restoring)}",
                "wait until it is Restored (symclone verify -restored), then unprovision",
            )
            return
        self._set(lambda p: (None, None) if p.other_source is None else None)


def _unreadable(ctx: RunContext, resource: SymcloneSync, exc: ClonepilotError) -> list[PlanProblem]:
    """What a failed read of the pairs means, in the configuration's terms (extra reads: failures only)."""
    service, node = ctx.service, ctx.service.symcli_node
    if isinstance(exc, MissingDevicesError):
        return [
            PlanProblem.of(
                resource,
                f"{exc}; fix pairs in [{resource.rid}] of {service.path}, or add the devices "
                f"{'to the group' if resource.uses_device_group else 'to the array'}",
            )
        ]
    text = " ".join(
        (exc.symcli_message if isinstance(exc, SymcliError) and exc.symcli_message else str(exc)).split()
    )
    if resource.uses_device_group or not isinstance(exc, SymcliError):
        where = f"device group {resource.symdg}" if resource.uses_device_group else f"array {resource.symid}"
        todo = (
            f"fix symdg in [{resource.rid}] of {service.path}, or create the group on {node}"
            if resource.uses_device_group and isinstance(exc, SymcliError)
            else f"run clonepilot -s {service.name} check, which names what {node} lacks"
        )
        return [PlanProblem.of(resource, f"cannot read the pairs on {where} from {node}: {text}; {todo}")]
    assert resource.symid is not None
    seen = _arrays(ctx, resource)
    if seen is not None and resolve_sid(resource.symid, seen) is None:
        names = [array.sid for array in seen]
        return [
            PlanProblem.of(
                resource,
                f"symid {resource.symid} of [{resource.rid}] is not among the arrays {node} sees "
                f"({', '.join(names) or 'none'}); fix symid in [{resource.rid}] of {service.path}, or make "
                f"the array visible to {node}",
            )
        ]
    if exc.kind is SymcliErrorKind.DEVICE_NOT_FOUND:
        missing = _missing_devices(ctx, resource)
        if missing:
            return [
                PlanProblem.of(
                    resource,
                    f"device {dev} ({role} of pair {pair}) is not on array {resource.symid}; fix pairs "
                    f"in [{resource.rid}] of {service.path} (ids as `symdev -sid {resource.symid} list` "
                    "prints them)",
                )
                for dev, role, pair in missing
            ]
    return [PlanProblem.of(resource, f"cannot read the pairs on array {resource.symid} from {node}: {text}")]


def _arrays(ctx: RunContext, resource: SymcloneSync) -> tuple[SymmArray, ...] | None:
    """The arrays the symcli node sees (`symcfg list`), or None when it cannot tell."""
    result = ctx.run(
        ctx.service.symcli_node,
        symcfg_list(ctx.symcli_bin),
        rid=resource.rid,
        stage=PLAN_STAGE,
        changes_state=False,
    )
    if result is None or not result.ok:
        return None
    try:
        return parse_symcfg_list(result.stdout)
    except SymcliError:
        return None


def _missing_devices(ctx: RunContext, resource: SymcloneSync) -> list[tuple[str, str, str]]:
    """Each device of the resource that its array lacks: SYMCLI names only the first of a list."""
    assert resource.symid is not None
    missing: list[tuple[str, str, str]] = []
    for pair in resource.pairs:
        for role, dev in (("source", pair.source), ("target", pair.target)):
            result = ctx.run(
                ctx.service.symcli_node,
                symdev_list(ctx.symcli_bin, resource.symid, [dev]),
                rid=resource.rid,
                stage=PLAN_STAGE,
                changes_state=False,
            )
            assert result is not None, "a read-only command returned no result"
            try:
                check(result)
            except SymcliError as exc:
                if exc.kind is SymcliErrorKind.DEVICE_NOT_FOUND:
                    missing.append((dev, role, str(pair)))
    return missing


def _read(ctx: RunContext, resource: SymcloneSync) -> CloneSnapshot | list[PlanProblem]:
    try:
        return clone_set(ctx, resource).read(stage=PLAN_STAGE, keep=True)
    except ClonepilotError as exc:
        return _unreadable(ctx, resource, exc)


def pair_problems(ctx: RunContext, stages: Sequence[Stage]) -> list[PlanProblem]:
    """Read each clone set the stages drive, once, and take its pairs through the stages' clone steps."""
    clone_stages = [s for s in stages if s.step in CLONE_STEPS]
    wanted: dict[str, SymcloneSync] = {}
    for stage in clone_stages:
        for rid in stage.rids:
            resource = ctx.service.resource(rid)
            # The run skips these resources' steps altogether (resource.py): nothing to check.
            if isinstance(resource, SymcloneSync) and not resource.disable and not resource.noaction:
                wanted.setdefault(rid, resource)
    if not wanted:
        return []
    with ThreadPoolExecutor(max_workers=min(_READ_WORKERS, len(wanted))) as pool:
        reads = dict(zip(wanted, pool.map(lambda r: _read(ctx, r), wanted.values()), strict=True))
    problems: list[PlanProblem] = []
    walks: dict[str, _Walk] = {}
    for rid, read in reads.items():
        if isinstance(read, list):
            problems += read
        else:
            walks[rid] = _Walk(ctx.service, wanted[rid], read)
    for stage in clone_stages:
        for rid in stage.rids:
            if rid in walks:
                walks[rid].step(stage.step, stage.name)
    problems += [w.problem for w in walks.values() if w.problem is not None]
    return problems
