"""Where an interrupted refresh stood, so that running it again carries on instead of starting over.

A refresh killed after it started the service's ip (or any later stage) leaves resources up that
it started itself: a plain rerun would refuse at the down check. The checkpoint, a small JSON
object (checkpoint_store.py says where), records the stages that completed and what they left
(checkpoint_world.py): the service's configuration and, after each sync stage, the clone sets as
the array showed them. A rerun of the same action with the same stages within `resume_window`
skips the completed stages only while all of that still holds:

* another service configuration, another action of the service run since (stop, start, sync
  update...: they mark the checkpoint), an older checkpoint format, `restart` asked, or the arrays
  showing other pairs, states or action times than the stages left: the run starts over, saying why;
* a skipped host stage (start ip, stop fs...) is re-read with its status commands first: a
  resource no longer up (down) has its stage run again.

The down check is never skipped while a recreate is still to come: resuming must not replace the
data under a service someone started by hand in the meantime.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from clonepilot.engine.checkpoint_store import CheckpointStore, FileStore, clock, file_store
from clonepilot.engine.checkpoint_world import (
    RECORDED_STEPS,
    clone_set_differences,
    config_digest,
    read_clone_set,
    recheck_host,
)
from clonepilot.engine.context import RunContext
from clonepilot.engine.report import StageReport
from clonepilot.engine.runbook import CHECK_DOWN, Stage, stage_node
from clonepilot.settings import Settings

__all__ = ["FORMAT", "Checkpoint", "CheckpointStore", "FileStore", "file_store", "open_checkpoint"]

# Bumped whenever a checkpoint written by an older clonepilot could be misread: such one is ignored.
FORMAT = "clonepilot-checkpoint/2"
HOST_STEPS = frozenset({"start", "stop"})


@dataclass
class Checkpoint:
    store: CheckpointStore
    action: str
    plan: list[str]
    started: float
    done: list[str] = field(default_factory=list)
    resumed_from: float | None = None
    # A dry run's view (an approval's plan): it skips what a real rerun would skip, and never writes.
    read_only: bool = False
    # What the completed stages left: {rid: clone set as read} (checkpoint_world.read_clone_set).
    world: dict[str, dict[str, Any]] = field(default_factory=dict)
    config: str = ""
    # Why an earlier checkpoint of the action is not resumed; logged by confirm().
    discarded: str = ""

    @property
    def resumed(self) -> bool:
        return self.resumed_from is not None

    def confirm(self, ctx: RunContext, stages: Sequence[Stage]) -> None:
        """Before the first stage: resume only while the service and its arrays are as the stages left
        them, else start over; log which, and why."""
        name = ctx.service.name
        config = config_digest(ctx.service)
        if self.resumed:
            reason = self._stale(ctx, stages, config)
            if reason:
                self._start_over(
                    f"the checkpoint of the {self.action} started at {clock(self.started)} "
                    f"({self.store}) does not hold: {reason}"
                )
        self.config = config
        if self.discarded:
            ctx.logger.info("%s: starting the %s over: %s", name, self.action, self.discarded)
        elif self.resumed:
            ctx.logger.info(
                "%s: resuming the %s started %.0f s ago; stages it completed: %s%s",
                name,
                self.action,
                time.time() - (self.resumed_from or 0.0),
                ", ".join(self.done) or "none",
                f"; {', '.join(sorted(self.world))} still show what they left" if self.world else "",
            )
        self._write()

    def _stale(self, ctx: RunContext, stages: Sequence[Stage], config: str) -> str:
        if self.config != config:
            return f"the service file {ctx.service.path} is not the one it ran with (another configuration)"
        interrupted = next((s for s in stages if s.name not in self.done), None)
        differences = []
        syncs = {s.rid: s for s in ctx.service.syncs}
        for rid, recorded in sorted(self.world.items()):
            if rid not in syncs:
                differences.append(f"{rid}: no such clone set in the service any more")
                continue
            now = read_clone_set(ctx, syncs[rid], stage="resume check")
            step = interrupted.step if interrupted is not None and rid in interrupted.rids else None
            difference = clone_set_differences(rid, recorded, now, step)
            if difference:
                differences.append(difference)
        return "; ".join(differences)

    def _start_over(self, reason: str) -> None:
        self.started = time.time()
        self.done = []
        self.world = {}
        self.resumed_from = None
        self.discarded = reason

    def skips(self, stage: Stage, remaining: Sequence[Stage]) -> bool:
        """Whether a resumed run skips this stage (it completed in the interrupted run)."""
        if not self.resumed or stage.name not in self.done:
            return False
        if stage.step == CHECK_DOWN:
            return not any(s.step == "recreate" and s.name not in self.done for s in remaining)
        return True

    def skipped_report(self, ctx: RunContext, stage: Stage) -> StageReport | None:
        """The report of a stage `skips` passes over, or None when it must run again after all.

        A host stage is re-read first: the interrupted run started (stopped) its resources, but
        someone or something may have stopped (started) them since.
        """
        node = stage_node(ctx.service, stage)
        if stage.step not in HOST_STEPS:
            return StageReport.done_earlier(stage.name, stage.step, stage.rids, node)
        first, began = len(ctx.journal.snapshot()), time.time()
        action = stage.hook_action or stage.step
        skipped, not_so = recheck_host(ctx, stage.step, stage.rids, stage=stage.name, action=action)
        if not_so:
            ctx.logger.info(
                "%s: %s was done by the interrupted %s, but %s now: running it again",
                ctx.service.name,
                stage.name,
                self.action,
                "; ".join(not_so),
            )
            return None
        return StageReport(
            stage.name,
            stage.step,
            stage.rids,
            node,
            began,
            time.time(),
            "done-earlier",
            results=tuple(skipped),
            commands=ctx.journal.snapshot()[first:],
        )

    def mark_done(self, stage: Stage, ctx: RunContext | None = None, since: float | None = None) -> None:
        """The stage completed; after a sync stage, with its clone sets as the array shows them now.

        `since`: when the stage began (a wait's last poll after it is the state to record).
        """
        self.done.append(stage.name)
        if ctx is not None and stage.step in RECORDED_STEPS and not self.read_only:
            syncs = {s.rid: s for s in ctx.service.syncs if not s.disable}
            for rid in stage.rids:
                if rid in syncs:
                    read = read_clone_set(ctx, syncs[rid], stage=stage.name, since=since)
                    self.world[rid] = {**read, "after": stage.name}
        self._write()

    def finish(self) -> None:
        """The action completed: nothing to resume any more."""
        if not self.read_only:
            self.store.delete()

    def _write(self) -> None:
        if not self.read_only:
            self.store.save(
                {
                    "format": FORMAT,
                    "action": self.action,
                    "plan": self.plan,
                    "started": self.started,
                    "done": self.done,
                    "config": self.config,
                    "world": self.world,
                }
            )


def _unusable(data: Any, action: str, plan: list[str], window: float, now: float) -> str:
    """Why a stored checkpoint cannot be resumed ('' if it can, as far as the store alone tells)."""
    if not isinstance(data, dict):
        return "it is not a checkpoint clonepilot can read"
    if data.get("format") != FORMAT:
        found = data.get("format") or "clonepilot-checkpoint/1"
        return f"it is of another format ({found}; this clonepilot reads {FORMAT})"
    started = data.get("started")
    if data.get("action") != action or not isinstance(started, int | float):
        return "it is not a checkpoint of this action"
    if data.get("plan") != plan:
        return "its stages are not this run's (another selection of resources, or stop first)"
    invalidated = data.get("invalidated")
    if isinstance(invalidated, dict):
        what = str(invalidated.get("action", "another action")).replace("_", " ")
        return f"a {what} of the service ran at {clock(invalidated.get('at'))}, after it"
    if now - started > window:
        return f"it is {now - started:.0f} s old, more than resume_window ({window:g} s)"
    if not isinstance(data.get("world"), dict) or not isinstance(data.get("done"), list):
        return "it is not a checkpoint clonepilot can read"
    return ""


def open_checkpoint(
    settings: Settings,
    service: str,
    action: str,
    stages: Sequence[Stage],
    *,
    read_only: bool = False,
    store: CheckpointStore | None = None,
    restart: bool = False,
) -> Checkpoint:
    """The checkpoint of this action: a candidate for resuming if an unfinished, recent one with the
    same plan exists; `Checkpoint.confirm` then checks it against the service and its arrays.

    `read_only` only looks: nothing is written, whatever the caller then does with it. `store`
    defaults to the file in `state_dir`. `restart` discards any earlier checkpoint (logged).
    """
    store = store if store is not None else file_store(settings, service, action)
    plan = [s.name for s in stages]
    now = time.time()
    data = store.load()
    checkpoint = Checkpoint(store, action, plan, now, read_only=read_only)
    if data is None:
        if restart:
            checkpoint.discarded = f"restart asked; there was no checkpoint in {store}"
    elif restart:
        stored = data.get("done") if isinstance(data, dict) else None
        done = ", ".join(str(name) for name in stored) if isinstance(stored, list) else ""
        checkpoint.discarded = (
            f"restart asked: the checkpoint in {store} (stages done: {done or 'none'}) is discarded"
        )
    elif reason := _unusable(data, action, plan, settings.resume_window, now):
        checkpoint.discarded = f"the checkpoint in {store} is ignored: {reason}"
    else:
        checkpoint = Checkpoint(
            store,
            action,
            plan,
            data["started"],
            [name for name in data["done"] if name in plan],
            resumed_from=data["started"],
            read_only=read_only,
            world={str(k): v for k, v in data["world"].items() if isinstance(v, dict)},
            config=str(data.get("config", "")),
        )
    checkpoint._write()
    return checkpoint
