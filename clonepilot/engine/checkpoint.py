"""Where an interrupted refresh stood, so that running it again carries on instead of starting over.

A refresh killed after it started the service's ip (or any later stage) leaves resources up that
it started itself: a plain rerun would refuse at the down check. The checkpoint, a small JSON file
on the controller, records the stages that completed; a rerun of the same action with the same
stages within `resume_window` skips them. Every stage re-reads the array before acting, so the
stage that was cut short simply does what is still missing.

The down check is never skipped while a recreate is still to come: resuming must not replace the
data under a service someone started by hand in the meantime.

Where the checkpoint lives is a `CheckpointStore`: a file in `state_dir` here; the flows can keep it
on the Prefect server instead (flows/checkpoints.py), so that a rerun on another worker resumes.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from clonepilot.engine.runbook import CHECK_DOWN, Stage
from clonepilot.settings import Settings


class CheckpointStore(Protocol):
    """Keeps one checkpoint (a small JSON object); each write replaces the previous one whole."""

    def load(self) -> Any: ...

    def save(self, data: dict[str, Any]) -> None: ...

    def delete(self) -> None: ...


@dataclass(frozen=True)
class FileStore:
    """A JSON file on the controller, written whole and renamed."""

    path: Path

    def load(self) -> Any:
        try:
            return json.loads(self.path.read_text())
        except (OSError, ValueError):
            return None

    def save(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Renamed into place: a kill mid-write leaves the previous checkpoint, never half of one.
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name, suffix=".tmp")
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle)
        os.replace(tmp, self.path)

    def delete(self) -> None:
        self.path.unlink(missing_ok=True)


def file_store(settings: Settings, service: str, action: str) -> FileStore:
    return FileStore(settings.state_dir / f"{service}.{action}.checkpoint.json")


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

    @property
    def resumed(self) -> bool:
        return self.resumed_from is not None

    def skips(self, stage: Stage, remaining: Sequence[Stage]) -> bool:
        """Whether a resumed run skips this stage (it completed in the interrupted run)."""
        if not self.resumed or stage.name not in self.done:
            return False
        if stage.step == CHECK_DOWN:
            return not any(s.step == "recreate" and s.name not in self.done for s in remaining)
        return True

    def mark_done(self, stage: Stage) -> None:
        self.done.append(stage.name)
        self._write()

    def finish(self) -> None:
        """The action completed: nothing to resume any more."""
        if not self.read_only:
            self.store.delete()

    def _write(self) -> None:
        if not self.read_only:
            self.store.save(
                {"action": self.action, "plan": self.plan, "started": self.started, "done": self.done}
            )


def open_checkpoint(
    settings: Settings,
    service: str,
    action: str,
    stages: Sequence[Stage],
    *,
    read_only: bool = False,
    store: CheckpointStore | None = None,
) -> Checkpoint:
    """The checkpoint of this action: resumed if an unfinished, recent one with the same plan exists.

    `read_only` only looks: nothing is written, whatever the caller then does with it. `store`
    defaults to the file in `state_dir`.
    """
    store = store if store is not None else file_store(settings, service, action)
    plan = [s.name for s in stages]
    now = time.time()
    data = store.load()
    if (
        isinstance(data, dict)
        and data.get("action") == action
        and data.get("plan") == plan
        and isinstance(data.get("started"), int | float)
        and now - data["started"] <= settings.resume_window
    ):
        done = [name for name in data.get("done", []) if name in plan]
        checkpoint = Checkpoint(
            store, action, plan, data["started"], done, resumed_from=data["started"], read_only=read_only
        )
    else:
        checkpoint = Checkpoint(store, action, plan, now, read_only=read_only)
    checkpoint._write()
    return checkpoint
