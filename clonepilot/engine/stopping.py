"""Stopping a run cleanly: SIGTERM, SIGINT or a Cancel in the Prefect UI.

A stop asked for lets the command running finish, starts no new state-changing command, and
ends every wait at once; the run then ends at the stage it was in, its checkpoint and lock saying
where, so that the next run resumes. A second signal ends the process at once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
from collections.abc import Iterator
from typing import Any

from clonepilot.errors import PermanentError

Logger = logging.Logger | logging.LoggerAdapter[Any]
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class RunStopped(PermanentError):
    """The run was asked to stop; it stopped before its next change (never retried, never passed over)."""


class StopRequest:
    """Set once by whoever asks the run to stop; read by every wait and before every change."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.reason = ""

    @property
    def requested(self) -> bool:
        return self._event.is_set()

    def request(self, reason: str) -> None:
        if not self._event.is_set():
            self.reason = reason
            self._event.set()

    # The threading.Event interface, for code that only waits (the run lock's queue).
    def is_set(self) -> bool:
        return self._event.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._event.wait(timeout)

    def check(self) -> None:
        """Raise RunStopped once a stop is asked for: called before each state-changing command."""
        if self._event.is_set():
            raise RunStopped(f"stopped ({self.reason}) before its next change")

    def pause(self, seconds: float) -> None:
        """Wait up to `seconds`, or raise RunStopped as soon as a stop is asked for."""
        if self._event.wait(max(seconds, 0.0)):
            raise RunStopped(f"stopped ({self.reason}) while waiting")


@contextlib.contextmanager
def stop_on_signals(stop: StopRequest, logger: Logger, what: str) -> Iterator[None]:
    """While the block runs, a first SIGTERM/SIGINT asks `stop`; a second one ends the process at once.

    Signals reach Python handlers in the main thread only: elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}

    def handler(signum: int, frame: Any) -> None:
        name = signal.Signals(signum).name
        if stop.requested:
            # At once: not through the stack, whose threads may sit in a long command. What a kill
            # leaves is what the next run handles anyway: a lock of a dead process, taken over;
            # a command still running on the node, whose effect the next run reads from the array.
            logger.warning(
                "%s: %s received again: stopping at once; the command running goes on without us",
                what,
                name,
            )
            for handler_ in logging.getLogger().handlers + logging.getLogger("clonepilot").handlers:
                with contextlib.suppress(Exception):
                    handler_.flush()
            os._exit(128 + signum)
        stop.request(f"{name} received")
        logger.warning(
            "%s: %s received: stopping after the command running now; no new change will start"
            " (send it again to stop at once). The next run resumes from here.",
            what,
            name,
        )

    for sig in STOP_SIGNALS:
        signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, previous_handler in previous.items():
            signal.signal(sig, previous_handler)
