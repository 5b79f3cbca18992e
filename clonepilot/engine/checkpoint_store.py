"""Where a checkpoint lives, and how the other actions of a service make an old one stale.

A `CheckpointStore` keeps one small JSON object: a file in `state_dir` here; the flows register a
Prefect variable store (flows/checkpoints.py), so that a rerun on another worker finds it. The
engine picks the store by the `checkpoint_store` setting through `store_for`, which is how an
action that is not a refresh reaches the refresh's checkpoint to mark it superseded.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from clonepilot.settings import Settings

# The actions that keep a checkpoint: only a refresh resumes (the others are idempotent from the
# down check on).
RESUMABLE: tuple[str, ...] = ("refresh",)

Logger = logging.Logger | logging.LoggerAdapter[logging.Logger]


class CheckpointStore(Protocol):
    """Keeps one checkpoint (a small JSON object); each write replaces the previous one whole.

    `str(store)` says where it is, for log lines.
    """

    def load(self) -> Any: ...

    def save(self, data: dict[str, Any]) -> None: ...

    def delete(self) -> None: ...


@dataclass(frozen=True)
class FileStore:
    """A JSON file on the controller, written whole and renamed."""

    path: Path

    def __str__(self) -> str:
        return str(self.path)

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


StoreFactory = Callable[[Settings, str, str], CheckpointStore]
_FACTORIES: dict[str, StoreFactory] = {"file": file_store}


def register_store(kind: str, factory: StoreFactory) -> None:
    """Make `checkpoint_store = kind` mean this store (the flows register `prefect`)."""
    _FACTORIES[kind] = factory


def store_for(settings: Settings, service: str, action: str) -> CheckpointStore:
    """The store the `checkpoint_store` setting names; KeyError if no module registered it here."""
    return _FACTORIES[settings.checkpoint_store](settings, service, action)


def supersede(settings: Settings, service: str, action: str, logger: Logger) -> None:
    """Mark the unfinished checkpoints of `service` stale: `action` is about to change the service.

    The mark stays in the checkpoint (rather than deleting it) so that the next refresh can say
    why it starts over. An action run where the store is not available (the Prefect store, outside
    a flow) cannot reach it and says so: the rerun's checks of the arrays and hosts still apply.
    """
    for resumable in RESUMABLE:
        if resumable == action:
            continue
        try:
            store = store_for(settings, service, resumable)
        except KeyError:
            logger.warning(
                "%s: %s: cannot mark the %s checkpoint stale: checkpoint_store = %s is not available in "
                "this process (it is kept by the Prefect flows); a rerun of an interrupted %s still "
                "re-checks the arrays and hosts",
                service,
                action,
                resumable,
                settings.checkpoint_store,
                resumable,
            )
            continue
        data = store.load()
        if not isinstance(data, dict) or "invalidated" in data:
            continue
        now = time.time()
        store.save({**data, "invalidated": {"action": action, "at": now}})
        logger.info(
            "%s: the checkpoint of the %s started at %s (%s) no longer holds: this %s changes the "
            "service; the next %s starts over",
            service,
            resumable,
            clock(data.get("started")),
            store,
            action.replace("_", " "),
            resumable,
        )


def clock(epoch: object) -> str:
    """`07:02:11` for a moment of today, `2026-12-01 07:02:11` otherwise; `?` for no moment."""
    if not isinstance(epoch, int | float):
        return "?"
    moment = datetime.fromtimestamp(epoch)
    return moment.strftime("%H:%M:%S" if moment.date() == datetime.now().date() else "%Y-%m-%d %H:%M:%S")
