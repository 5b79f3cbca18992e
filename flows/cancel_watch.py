"""A Cancel in the Prefect UI stops the run cleanly, wherever it runs.

A worker answers a Cancel with SIGTERM to the run's process (engine/stopping.py handles it); a run
started from a terminal has no worker, so nothing would act on it. This watcher reads the run's
state while it works and asks the run to stop once it is Cancelling.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from typing import Any

from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import StateType
from prefect.context import FlowRunContext

from clonepilot.engine.stopping import StopRequest

Logger = logging.Logger | logging.LoggerAdapter[Any]
# Quick at first (a Cancel right after a start), then every few seconds: a stop within seconds.
FIRST_POLL = 1.0
MAX_POLL = 4.0


@contextlib.contextmanager
def stop_on_cancel(stop: StopRequest, logger: Logger, what: str) -> Iterator[None]:
    ctx = FlowRunContext.get()
    if ctx is None or ctx.flow_run is None:
        yield
        return
    run_id = ctx.flow_run.id
    done = threading.Event()

    def watch() -> None:
        delay = FIRST_POLL
        with get_client(sync_client=True) as client:
            while not done.wait(delay) and not stop.requested:
                delay = min(delay * 1.5, MAX_POLL)
                try:
                    state = client.read_flow_run(run_id).state
                except Exception as exc:  # the server unreachable for a moment: look again later
                    logger.debug("could not read the state of flow run %s: %s", run_id, exc)
                    continue
                if state is not None and state.type == StateType.CANCELLING:
                    stop.request("cancelled in the Prefect UI")
                    logger.warning(
                        "%s: cancelled in the Prefect UI: stopping after the command running now;"
                        " no new change will start. The next run resumes from here.",
                        what,
                    )
                    return

    thread = threading.Thread(target=watch, name=f"cancel-watch {run_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join(timeout=MAX_POLL + 1)
