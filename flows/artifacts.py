"""What the Prefect UI shows of a run besides its logs: progress per wait, the pairs before and after.

Artifacts document a run; none of them may fail it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

from prefect.artifacts import create_progress_artifact, create_table_artifact, update_progress_artifact

from clonepilot.config.models import SymcloneSync
from clonepilot.engine.clones import clone_set
from clonepilot.engine.context import ProgressEvent, RunContext
from clonepilot.errors import ClonepilotError


def artifact_key(text: str) -> str:
    # Artifact keys allow lower-case letters, digits and dashes only.
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")


class ProgressArtifacts:
    """One Prefect progress artifact per wait and rid, updated at most once a second."""

    def __init__(self, service: str) -> None:
        self.service = service
        self._ids: dict[tuple[str, str], Any] = {}
        self._last: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def __call__(self, event: ProgressEvent) -> None:
        key = (event.rid, event.waiting_for)
        now = time.monotonic()
        with self._lock:
            if not event.done and now - self._last.get(key, 0.0) < 1.0:
                return
            self._last[key] = now
            artifact_id = self._ids.get(key)
        left = f", about {event.eta_seconds:.0f} s left" if event.eta_seconds is not None else ""
        if not event.percent_known and not event.done:
            left = ", percent copied unknown (the array did not give it): " + ", ".join(
                f"{n} {s}" for s, n in sorted(event.states.items())
            )
        description = f"{self.service} {event.rid}: waiting for {event.waiting_for}{left}"
        if artifact_id is None:
            artifact_id = create_progress_artifact(
                progress=event.percent,
                key=artifact_key(f"{self.service}-{event.rid}-{event.waiting_for}"),
                description=description,
            )
            with self._lock:
                self._ids[key] = artifact_id
        else:
            update_progress_artifact(artifact_id, progress=event.percent, description=description)


def pairs_table(ctx: RunContext, syncs: Sequence[SymcloneSync], key: str, description: str) -> None:
    """A table artifact of the clone pairs as the array shows them: one read per clone set.

    A read that fails is shown as such in the table; it must not fail the action it documents.
    """
    rows: list[dict[str, Any]] = []
    for resource in syncs:
        try:
            snapshot = clone_set(ctx, resource).read(stage="pairs table", log_level=logging.DEBUG)
        except ClonepilotError as exc:
            rows.append({"rid": resource.rid, "source": "", "target": "", "state": f"unreadable: {exc}"})
            continue
        for pair in snapshot.pairs:
            rows.append(
                {
                    "rid": resource.rid,
                    "source": pair.src,
                    "target": pair.tgt,
                    "state": pair.state_name,
                    "percent": pair.percent if pair.percent is not None else "",
                    "last action (point in time)": pair.last_action.isoformat() if pair.last_action else "",
                }
            )
    create_table_artifact(table=rows, key=artifact_key(key), description=description)
