"""The run lock (clonepilot.lock) as a flow run takes it: named after its Prefect run, and cleaning up
after a dead holder on this Prefect server.

A holder killed with SIGKILL never reports its end: its flow run stays Running on a server no
worker watches (a terminal run), and its slot of the service's Prefect limit stays taken. The run
that takes its lock over marks that flow run Crashed; the slot is freed by service_guard, which
knows that no live run can hold it without holding the lock first.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from typing import Any

from prefect.client.orchestration import get_client
from prefect.context import FlowRunContext
from prefect.exceptions import ObjectNotFound
from prefect.states import Crashed

from clonepilot.config.models import Service
from clonepilot.engine.run_lock import run_lock
from clonepilot.engine.runbook import Stage
from clonepilot.lock import Holder, RunLock
from clonepilot.lock.runlock import Stoppable
from clonepilot.settings import Settings
from clonepilot.transport import SSHOptions
from flows.concurrency import release_dead_leases

Logger = logging.Logger | logging.LoggerAdapter[Any]


def _this_run() -> tuple[str, str | None]:
    ctx = FlowRunContext.get()
    if ctx is None or ctx.flow_run is None:
        return "", None
    return ctx.flow_run.name, str(ctx.flow_run.id)


def _api_url() -> str | None:
    with get_client(sync_client=True) as client:
        return str(client.api_url)


def crash_dead_run(logger: Logger) -> Any:
    """The takeover hook: give back the dead holder's Prefect slots, and mark its flow run Crashed,
    where this server has them."""

    def hook(holder: Holder, reason: str) -> None:
        release_dead_leases(holder.prefect_leases, logger)
        if holder.flow_run_id is None:
            return
        with get_client(sync_client=True) as client:
            try:
                run = client.read_flow_run(holder.flow_run_id)  # type: ignore[arg-type]
            except ObjectNotFound:
                return  # a run of another Prefect server: its own server (or worker) tells its end
            if run.state is None or run.state.is_final():
                return
            client.set_flow_run_state(
                run.id,
                Crashed(message=f"its process died holding the run lock ({reason}); taken over"),
                force=True,
            )
        logger.warning("marked the dead holder's flow run '%s' (%s) Crashed", run.name, run.id)

    return hook


@contextlib.contextmanager
def flow_run_lock(
    settings: Settings,
    service: Service,
    action: str,
    stages: Sequence[Stage],
    *,
    ssh_options: SSHOptions,
    dry_run: bool,
    logger: Logger,
    stop: Stoppable | None = None,
) -> Iterator[RunLock | None]:
    """The run lock of this flow run's action; a dry run changes nothing and takes none."""
    if dry_run:
        yield None
        return
    name, run_id = _this_run()
    with run_lock(
        settings,
        service,
        action,
        stages,
        ssh_options=ssh_options,
        logger=logger,
        run_name=name,
        flow_run_id=run_id,
        prefect_api=_api_url(),
        on_takeover=crash_dead_run(logger),
        stop=stop,
    ) as lock:
        yield lock
