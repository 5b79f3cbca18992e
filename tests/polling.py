"""Waiting in tests for another process or thread to get somewhere: polled, with a growing delay."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_for(what: str, test: Callable[[], object], timeout: float = 120.0) -> None:
    """Return once test() is true; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    delay = 0.05
    while not test():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(delay)  # polling the other's progress
        delay = min(delay * 2, 0.5)
