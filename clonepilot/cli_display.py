"""What the terminal shows while an action runs: one progress bar per waiting clone set."""

from __future__ import annotations

import threading
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from clonepilot.engine.context import ProgressEvent


class ProgressBars:
    """A rich progress display fed by ProgressEvents; one bar per (rid, what it waits for)."""

    def __init__(self, console: Console | None = None) -> None:
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>5.1f}%"),
            TextColumn("{task.fields[left]}"),
            TimeElapsedColumn(),
            console=console or Console(stderr=True),
            transient=False,
            redirect_stdout=True,
            redirect_stderr=True,
        )
        self._tasks: dict[tuple[str, str], TaskID] = {}
        self._lock = threading.Lock()

    def __call__(self, event: ProgressEvent) -> None:
        key = (event.rid, event.waiting_for)
        if event.done:
            left = "done"
        elif not event.percent_known:
            left = "percent unknown: " + ", ".join(f"{n} {s}" for s, n in sorted(event.states.items()))
        else:
            left = f"~{event.eta_seconds:.0f}s left" if event.eta_seconds is not None else "estimating"
        with self._lock:
            task = self._tasks.get(key)
            if task is None:
                task = self._progress.add_task(f"{event.rid} {event.waiting_for}", total=100.0, left=left)
                self._tasks[key] = task
        self._progress.update(task, completed=100.0 if event.done else event.percent, left=left)

    def __enter__(self) -> ProgressBars:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()
