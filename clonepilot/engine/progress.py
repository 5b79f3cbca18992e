"""A process-local hub for copy progress: waits publish, displays subscribe.

A flow run started from the terminal runs in the CLI's own process, so the CLI's progress bar
subscribes here; inside the flow, a Prefect progress artifact subscribes too. Neither knows the
other, and a wait knows neither.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from clonepilot.engine.context import ProgressEvent, ProgressSink

_sinks: list[ProgressSink] = []
_lock = threading.Lock()


def publish(event: ProgressEvent) -> None:
    with _lock:
        sinks = list(_sinks)
    for sink in sinks:
        # A broken display must never fail a refresh: the array does not care who is watching.
        with contextlib.suppress(Exception):
            sink(event)


@contextmanager
def subscribed(sink: Callable[[ProgressEvent], None]) -> Iterator[None]:
    with _lock:
        _sinks.append(sink)
    try:
        yield
    finally:
        with _lock:
            _sinks.remove(sink)
