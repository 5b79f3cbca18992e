"""The clone-set driver: one `[sync#N] type=symclone` resource, driven within one RunContext.

Every operation reads the pairs first (one SYMCLI call), acts only on the pairs that still need
it, and does so in one SYMCLI call for the whole resource (a pairs file or pair clauses), so a
rerun after a crash neither repeats nor half-does an operation. In a dry run the state-changing
calls are journaled, not run, and the set keeps an overlay of the states they would produce,
which its later reads apply: the dry run prints the commands a real run would issue.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime

from clonepilot.config.models import SymcloneSync
from clonepilot.engine.clones_model import (
    CloneSetError,
    CloneSnapshot,
    MissingDevicesError,
    PairStateError,
    PairView,
    StepResult,
    WaitTimeout,
)
from clonepilot.engine.clones_read import RawRead, group_target, last_actions, read_pairs
from clonepilot.engine.clones_status import status_from_snapshot
from clonepilot.engine.clones_wait import ACTIVABLE, COPIED, WaitGoal, off_path, off_path_error, wait_for
from clonepilot.engine.context import RunContext
from clonepilot.engine.status import ResourceStatusReport, Status
from clonepilot.engine.unreadable import keep_unreadable
from clonepilot.errors import ClonepilotError
from clonepilot.symcli import (
    ArrayTarget,
    CloneState,
    LockWait,
    Operation,
    OperationPlan,
    PairState,
    SymcliError,
    SymcliErrorKind,
    SymcliPermanent,
    Target,
    check,
    control_success_lines,
    interpret_verify,
    pairs_file_content,
    pairs_file_path,
    plan_operation,
    symclone_activate,
    symclone_create,
    symclone_recreate,
    symclone_terminate,
    symclone_verify,
)

__all__ = [
    "CloneSet",
    "CloneSetError",
    "CloneSnapshot",
    "MissingDevicesError",
    "PairStateError",
    "PairView",
    "StepResult",
    "WaitTimeout",
    "clone_set",
]

# What a dry-run overlay records per pair: the state (None: no session) and percent it would have.
_Overlay = tuple[CloneState | None, int | None]
# How old a kept read (the plan check's, engine/plan_check.py) may be and still stand in for the
# next step's own read: that step comes a moment later; after a long stop first it reads again.
KEPT_READ_MAX_AGE = 30.0


def _keys(pairs: Sequence[PairView]) -> tuple[str, ...]:
    return tuple(p.key for p in pairs)


def _listing(pairs: Sequence[PairView]) -> str:
    return ", ".join(p.describe() for p in pairs)


def _plural(count: int) -> str:
    return f"{count} pair" if count == 1 else f"{count} pairs"


def _one_line(exc: BaseException) -> str:
    text = exc.symcli_message if isinstance(exc, SymcliError) and exc.symcli_message else str(exc)
    return " ".join(text.split())


class CloneSet:
    """One symclone resource within one run. Get it with `clone_set(ctx, resource)`."""

    def __init__(self, ctx: RunContext, resource: SymcloneSync) -> None:
        self.ctx = ctx
        self.resource = resource
        self.rid = resource.rid
        self._lock = threading.RLock()
        self._overlay: dict[str, _Overlay] = {}
        self._last: CloneSnapshot | None = None
        self._kept: CloneSnapshot | None = None

    # --- reading --------------------------------------------------------------------------

    def read(
        self, *, stage: str = "read", log_level: int = logging.INFO, keep: bool = False
    ) -> CloneSnapshot:
        """The pairs now (one SYMCLI call), with this run's dry-run overlay applied.

        `keep`: the read also checks the sources exist, and the next read takes it instead of
        calling SYMCLI again, if no state-changing call came in between and it is at most
        KEPT_READ_MAX_AGE old: the plan check reads every clone set before the run's first
        change, and the first step then acts on that same read.
        """
        with self._lock:
            kept, self._kept = self._kept, None
        if kept is not None and time.time() - kept.taken_at <= KEPT_READ_MAX_AGE:
            raw = kept
        else:
            raw = read_pairs(
                self.ctx, self.resource, stage=stage, log_level=log_level, with_sources=keep
            ).snapshot
        with self._lock:
            if keep:
                self._kept = raw
            snapshot = self._overlaid(raw)
            self._last = snapshot
        return snapshot

    @property
    def last_read(self) -> CloneSnapshot | None:
        """The last snapshot this run read (with its overlay); None once a control call changed the pairs."""
        with self._lock:
            return self._last

    def _overlaid(self, snapshot: CloneSnapshot) -> CloneSnapshot:
        if not self._overlay:
            return snapshot
        now = datetime.now()
        pairs = []
        for pair in snapshot.pairs:
            override = self._overlay.get(pair.key)
            if override is None:
                pairs.append(pair)
            else:
                state, percent = override
                pairs.append(
                    dataclasses.replace(
                        pair, state=state, percent=percent, other_source=None, last_action=now
                    )
                )
        return dataclasses.replace(snapshot, pairs=tuple(pairs))

    # --- state-changing steps -------------------------------------------------------------

    def recreate(self) -> StepResult:
        """Incremental refresh of the pairs that are Copied (or Split/CopyOnAccess); -precopy per config."""
        if self.resource.noaction:
            return self._noaction("recreate")
        snapshot = self.read(stage="recreate")
        plan = self._plan(Operation.RECREATE, snapshot)
        if not plan.needed:
            return StepResult(
                self.rid, "recreate", False, (), f"already recreated: {self._done(plan, snapshot)}"
            )
        pairs = self._views(plan.needed, snapshot)
        precopy = self.resource.precopy
        argv = symclone_recreate(
            self.ctx.symcli_bin, self._target(pairs, "recreate"), precopy=precopy, lock_wait=self._lock_wait()
        )
        state = CloneState.PRECOPY if precopy else CloneState.RECREATED
        changed = self._control("recreate", argv, pairs, lambda _: (state, None))
        return self._result(
            "recreate", "recreated", changed, pairs, " (-precopy)" if precopy else "", plan, snapshot
        )

    def activate(self) -> StepResult:
        """Activate the pairs waiting for it; -consistent per config, never for only part of the set."""
        if self.resource.noaction:
            return self._noaction("activate")
        snapshot = self.read(stage="activate")
        plan = self._plan(Operation.ACTIVATE, snapshot)
        if not plan.needed:
            return StepResult(
                self.rid, "activate", False, (), f"already activated: {self._done(plan, snapshot)}"
            )
        pairs = self._views(plan.needed, snapshot)
        done = self._views(plan.done, snapshot)
        consistent = self.resource.consistent
        if consistent and done:
            # The activated pairs hold an earlier point in time; activating the rest now would
            # give the clone set two images that no single moment of production ever had.
            raise PairStateError(
                self.rid,
                f"refusing to activate only {len(pairs)} of {len(snapshot.pairs)} pairs with -consistent: "
                f"{_listing(done)} already activated, so activating {_listing(pairs)} now would give them "
                "another point in time than the others; resync the resource (recreate every pair, wait, "
                "then activate them together)",
                pairs,
            )
        argv = symclone_activate(
            self.ctx.symcli_bin,
            self._target(pairs, "activate"),
            consistent=consistent,
            lock_wait=self._lock_wait(),
        )

        def activated(pair: PairView) -> _Overlay:
            # A pair whose precopy already finished has nothing left to copy.
            if (pair.percent or 0) >= 100:
                return CloneState.COPIED, 100
            return CloneState.COPY_IN_PROG, pair.percent or 0

        changed = self._control("activate", argv, pairs, activated)
        suffix = " (-consistent)" if consistent else ""
        return self._result("activate", "activated", changed, pairs, suffix, plan, snapshot)

    def provision(self) -> StepResult:
        """`symclone create -diff [-precopy]` for the pairs without a session (the seed's initial set-up)."""
        if self.resource.noaction:
            return self._noaction("provision")
        snapshot = self.read(stage="provision")
        foreign = [p for p in snapshot.pairs if p.other_source is not None]
        if foreign:
            raise PairStateError(
                self.rid,
                f"cannot provision: {_listing(foreign)}: the target is already cloned from another source; "
                "terminate that session first (nothing was done)",
                foreign,
            )
        pairs = [p for p in snapshot.pairs if p.state is None]
        done = [p for p in snapshot.pairs if p.state is not None]
        if not pairs:
            return StepResult(self.rid, "provision", False, (), f"already provisioned: {_listing(done)}")
        precopy = self.resource.precopy
        argv = symclone_create(
            self.ctx.symcli_bin,
            self._target(pairs, "create"),
            differential=True,
            precopy=precopy,
            lock_wait=self._lock_wait(),
        )
        state = CloneState.PRECOPY if precopy else CloneState.CREATED
        changed = self._control("provision", argv, pairs, lambda _: (state, 0))
        verb = "would create" if self.ctx.dry_run else "created"
        message = f"{verb} {_plural(len(pairs))} (-diff{' -precopy' if precopy else ''})"
        if done:
            message += f"; already provisioned: {_listing(done)}"
        return StepResult(self.rid, "provision", changed, _keys(pairs), message)

    def unprovision(self) -> StepResult:
        """Terminate this resource's sessions; a target cloned from another source is left alone.

        A Restored pair needs `terminate -restored` (its own call); a restore still in progress is
        refused, since ending it would leave the source half restored.
        """
        if self.resource.noaction:
            return self._noaction("unprovision")
        snapshot = self.read(stage="unprovision")
        own = [p for p in snapshot.pairs if p.state is not None and p.other_source is None]
        foreign = [p for p in snapshot.pairs if p.other_source is not None]
        restoring = [p for p in own if p.state == CloneState.REST_IN_PROG]
        if restoring:
            raise PairStateError(
                self.rid,
                f"cannot unprovision: a restore to the source is in progress on {_listing(restoring)}; "
                "wait until it is Restored (symclone verify -restored), then unprovision (nothing was done)",
                restoring,
            )
        note = f"; left alone (another source's session): {_listing(foreign)}" if foreign else ""
        if not own:
            return StepResult(self.rid, "unprovision", False, (), f"no clone session to terminate{note}")
        restored = [p for p in own if p.state == CloneState.RESTORED]
        changed = False
        for group, after_restore in ((restored, True), ([p for p in own if p not in restored], False)):
            if not group:
                continue
            argv = symclone_terminate(
                self.ctx.symcli_bin,
                self._target(group, "terminate"),
                restored=after_restore,
                lock_wait=self._lock_wait(),
            )
            changed = self._control("unprovision", argv, group, lambda _: (None, None)) or changed
        verb = "would terminate" if self.ctx.dry_run else "terminated"
        detail = f" ({len(restored)} after a restore: -restored)" if restored else ""
        return StepResult(
            self.rid, "unprovision", changed, _keys(own), f"{verb} {_plural(len(own))}{detail}{note}"
        )

    # --- waits ----------------------------------------------------------------------------

    def wait_activable(self, max_wait: float | None = None) -> CloneSnapshot:
        """Until every pair is Recreated/Created, or PreCopy at settings.precopy_activate_percent.

        `max_wait` defaults to the resource's recreate_timeout, else settings.precopy_max_wait.
        """
        own = self.resource.recreate_timeout
        default = float(own) if own is not None else self.ctx.settings.precopy_max_wait
        bound = default if max_wait is None else max_wait
        goal = dataclasses.replace(ACTIVABLE, complete_percent=self.ctx.settings.precopy_activate_percent)
        return self._wait(goal, bound, "wait_activable")

    def wait_copied(self, max_wait: float | None = None) -> CloneSnapshot:
        """Until every pair is Copied; default settings.copied_max_wait."""
        bound = self.ctx.settings.copied_max_wait if max_wait is None else max_wait
        return self._wait(COPIED, bound, "wait_copied")

    def _wait(self, goal: WaitGoal, max_wait: float, stage: str) -> CloneSnapshot:
        if self.ctx.dry_run:
            return self._dry_wait(goal, max_wait)
        return wait_for(
            self.ctx,
            self.rid,
            goal,
            lambda: self.read(stage=stage, log_level=logging.DEBUG),
            max_wait,
            confirm=lambda snapshot: self._confirm(snapshot, stage),
        )

    def _confirm(self, snapshot: CloneSnapshot, stage: str) -> bool:
        """`symclone verify -<state>` of the pairs in each state the snapshot shows (read-only).

        Exit 0 is the one verify answer vendors and scripts agree on; anything else means not yet.
        """
        by_state: dict[CloneState, list[PairView]] = {}
        for pair in snapshot.pairs:
            if pair.state is not None:
                by_state.setdefault(pair.state, []).append(pair)
        for state, pairs in by_state.items():
            argv = symclone_verify(self.ctx.symcli_bin, self._target(pairs, "verify"), state)
            result = self.ctx.run(
                self.ctx.service.symcli_node, argv, rid=self.rid, stage=stage, changes_state=False
            )
            assert result is not None, "a read-only command returned no result"
            try:
                answer = interpret_verify(
                    result.exit_code,
                    result.stdout,
                    result.stderr,
                    argv=result.argv,
                    node=str(self.ctx.service.symcli_node),
                )
            except SymcliPermanent as exc:
                if exc.kind is not SymcliErrorKind.FAILED:
                    raise
                # An exit code with no text nobody has documented: not a confirmation.
                self.ctx.logger.warning(
                    "%s: verify %s not confirmed: %s", self.rid, state.value, _one_line(exc)
                )
                return False
            if not answer.ok:
                self.ctx.logger.info(
                    "%s: verify %s: %s", self.rid, state.value, answer.message or answer.outcome.value
                )
                return False
        return True

    def _dry_wait(self, goal: WaitGoal, max_wait: float) -> CloneSnapshot:
        """No call: judge from the last read plus the overlay, then assume the wait succeeded."""
        with self._lock:
            snapshot = self._last
            if snapshot is None:
                self.ctx.logger.info(
                    "%s: dry run: would wait for %s (max %g s); pairs not read yet",
                    self.rid,
                    goal.label,
                    max_wait,
                )
                views = tuple(PairView(p.source, p.target, None, None, None) for p in self.resource.pairs)
                return CloneSnapshot(self.rid, views, time.time())
            stray = off_path(goal, snapshot)
            if stray:
                raise off_path_error(goal, snapshot, stray)
            for pair in snapshot.pairs:
                if not goal.reached(pair):
                    reached = CloneState.COPIED if goal is COPIED else pair.state
                    if pair.state is CloneState.CREATE_IN_PROG:
                        reached = CloneState.CREATED
                    self._overlay[pair.key] = (reached, 100)
            self._last = self._overlaid(snapshot)
            self.ctx.logger.info("%s: dry run: would wait for %s (max %g s)", self.rid, goal.label, max_wait)
            return self._last

    # --- status ---------------------------------------------------------------------------

    def status(self) -> ResourceStatusReport:
        """The seed's status from the array as it is (the dry-run overlay is not applied)."""
        if self.resource.nostatus:
            return ResourceStatusReport(self.rid, Status.NA, "nostatus tag")
        try:
            raw = read_pairs(self.ctx, self.resource, stage="status")
            snapshot = self._with_last_actions(raw)
        except MissingDevicesError as exc:
            return ResourceStatusReport(self.rid, Status.DOWN, str(exc))
        except SymcliError as exc:
            if exc.kind is SymcliErrorKind.DEVICE_NOT_FOUND:
                return ResourceStatusReport(self.rid, Status.DOWN, f"device missing: {_one_line(exc)}")
            return ResourceStatusReport(self.rid, Status.UNDEF, f"cannot read the array: {_one_line(exc)}")
        except ClonepilotError as exc:
            return ResourceStatusReport(self.rid, Status.UNDEF, f"cannot read the array: {_one_line(exc)}")
        return status_from_snapshot(self.resource, snapshot)

    def _with_last_actions(self, raw: RawRead) -> CloneSnapshot:
        if not self.resource.uses_device_group:
            return raw.snapshot
        stamps = last_actions(self.ctx, raw, rid=self.rid, stage="status")
        pairs = tuple(dataclasses.replace(p, last_action=stamps.get(p.tgt)) for p in raw.snapshot.pairs)
        return dataclasses.replace(raw.snapshot, pairs=pairs)

    # --- helpers --------------------------------------------------------------------------

    def _noaction(self, action: str) -> StepResult:
        self.ctx.logger.info("%s: %s skipped: noaction tag", self.rid, action)
        return StepResult(self.rid, action, False, (), "noaction tag")

    def _plan(self, operation: Operation, snapshot: CloneSnapshot) -> OperationPlan:
        states = [PairState(p.src, p.tgt, p.state, p.other_source) for p in snapshot.pairs]
        plan = plan_operation(operation, states)
        if plan.blocked or plan.needs_create:
            by_key = {p.key: p for p in snapshot.pairs}
            reasons = [f"{by_key[f'{b.pair.src}:{b.pair.tgt}'].describe()}: {b.reason}" for b in plan.blocked]
            reasons += [
                f"{by_key[f'{s.src}:{s.tgt}'].describe()}: no clone session (provision creates it)"
                for s in plan.needs_create
            ]
            stuck = [by_key[f"{b.pair.src}:{b.pair.tgt}"] for b in plan.blocked]
            stuck += [by_key[f"{s.src}:{s.tgt}"] for s in plan.needs_create]
            raise PairStateError(
                self.rid,
                f"cannot {operation.value}: {'; '.join(reasons)}. Nothing was done; "
                "query the pairs and fix their state first",
                stuck,
            )
        return plan

    @staticmethod
    def _views(states: Sequence[PairState], snapshot: CloneSnapshot) -> list[PairView]:
        wanted = {f"{s.src}:{s.tgt}" for s in states}
        return [p for p in snapshot.pairs if p.key in wanted]

    def _done(self, plan: OperationPlan, snapshot: CloneSnapshot) -> str:
        return _listing(self._views(plan.done, snapshot))

    def _result(
        self,
        action: str,
        past: str,
        changed: bool,
        pairs: Sequence[PairView],
        suffix: str,
        plan: OperationPlan,
        snapshot: CloneSnapshot,
    ) -> StepResult:
        verb = f"would {action}" if self.ctx.dry_run else past
        count = _plural(len(pairs)) if not plan.done else f"{len(pairs)} of {_plural(len(snapshot.pairs))}"
        message = f"{verb} {count}{suffix}"
        if plan.done:
            message += f"; already {past}: {self._done(plan, snapshot)}"
        return StepResult(self.rid, action, changed, _keys(pairs), message)

    def _lock_wait(self) -> LockWait | None:
        settings = self.ctx.settings
        if settings.symclone_lock_retry_count < 1:
            return None
        return LockWait(settings.symclone_lock_retry_interval, settings.symclone_lock_retry_count)

    def _target(self, pairs: Sequence[PairView], action: str) -> Target:
        """Where the call points: pair clauses (DG form) or a pairs file holding exactly `pairs`."""
        resource = self.resource
        if resource.uses_device_group:
            target = group_target(resource)
            return dataclasses.replace(target, pairs=tuple((p.src, p.tgt) for p in pairs))
        assert resource.symid is not None
        path = pairs_file_path(self.ctx.service.name, self.rid, self.ctx.pairs_dir)
        if len(pairs) != len(resource.pairs):
            # Only some pairs: a separate file, so the resource's full pairs file stays what it says.
            path = f"{path.removesuffix('.pairs')}.{action}.pairs"
        content = pairs_file_content([(p.src, p.tgt) for p in pairs])
        self.ctx.write_file(self.ctx.service.symcli_node, path, content, rid=self.rid)
        return ArrayTarget(resource.symid, path)

    def _control(
        self,
        stage: str,
        argv: list[str],
        pairs: Sequence[PairView],
        outcome: Callable[[PairView], _Overlay],
    ) -> bool:
        """Run one state-changing call; in a dry run record what it would make of the pairs."""
        result = self.ctx.run(
            self.ctx.service.symcli_node, argv, rid=self.rid, stage=stage, changes_state=True
        )
        with self._lock:
            self._kept = None  # what was read before this call is not what the array holds now
            if result is None:
                for pair in pairs:
                    self._overlay[pair.key] = outcome(pair)
                # The dry run's picture of the pairs now: what a dry wait judges from.
                self._last = self._overlaid(self._last) if self._last is not None else None
                return True
            self._last = None
        check(result)
        # Real SYMCLI prints these on stderr with exit 0 (the seed's log); older notes show stdout.
        lines = control_success_lines(result.stdout, result.stderr)
        for line in lines:
            self.ctx.logger.debug("%s: %s", self.rid, line)
        if not lines:
            node = str(self.ctx.service.symcli_node)
            kept = keep_unreadable(
                self.ctx.settings, node, result, "no success message in a control action's output"
            )
            self.ctx.logger.warning(
                "%s: %s exited 0 on %s without a success message clonepilot knows (output kept in %s); "
                "the next read of the pairs shows what it did",
                self.rid,
                stage,
                node,
                kept,
            )
        return True


def clone_set(ctx: RunContext, resource: SymcloneSync) -> CloneSet:
    """The run's CloneSet for this resource: one per rid, so a dry run's overlay carries across steps."""
    with ctx.cache_lock:
        existing = ctx.cache.get(resource.rid)
        if isinstance(existing, CloneSet) and existing.resource == resource:
            return existing
        created = CloneSet(ctx, resource)
        ctx.cache[resource.rid] = created
        return created
