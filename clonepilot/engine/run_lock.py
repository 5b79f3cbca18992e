"""Which run lock a run of an action takes, and taking it on the service's symcli node.

The keys are the service and every target device the run's steps change on the array (the steps
that only read the array, and the host steps, change no device). Dry runs take no lock.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from clonepilot.config.models import Service, SymcloneSync
from clonepilot.engine.runbook import Stage
from clonepilot.lock import Holder, RunLock, hold, keys_for
from clonepilot.lock.runlock import Stoppable, TakeoverHook
from clonepilot.settings import Settings
from clonepilot.transport import SSHOptions, TransportPool

Logger = logging.Logger | logging.LoggerAdapter[Any]

# Steps that change pair states on the array (the other sync steps only read it).
ARRAY_STEPS = frozenset({"recreate", "activate", "provision", "unprovision"})


def changed_syncs(service: Service, stages: Iterable[Stage]) -> list[SymcloneSync]:
    rids = {rid for stage in stages if stage.step in ARRAY_STEPS for rid in stage.rids}
    return [r for r in service.resources if isinstance(r, SymcloneSync) and r.rid in rids]


def changed_targets(service: Service, stages: Iterable[Stage]) -> list[tuple[str, str]]:
    """(array, target) of every pair the stages change; a device-group pair is keyed by its group.

    A group's logical device names do not say which array device they are: two services naming
    one device, one by symid and one by group, do not meet on these keys (validate --all's
    claims check compares the files).
    """
    targets: list[tuple[str, str]] = []
    for resource in changed_syncs(service, stages):
        array = resource.symid if resource.symid else f"dg-{resource.symdg}"
        targets.extend((array, pair.target) for pair in resource.pairs)
    return targets


def lock_keys(service: Service, stages: Sequence[Stage]) -> tuple[str, ...]:
    return keys_for(service.name, changed_targets(service, stages))


@contextlib.contextmanager
def run_lock(
    settings: Settings,
    service: Service,
    action: str,
    stages: Sequence[Stage],
    *,
    ssh_options: SSHOptions,
    logger: Logger,
    run_name: str = "",
    flow_run_id: str | None = None,
    prefect_api: str | None = None,
    on_takeover: TakeoverHook | None = None,
    stop: Stoppable | None = None,
) -> Iterator[RunLock]:
    """Hold the run's lock on the symcli node for the whole block (refusing or waiting as set)."""
    holder = Holder.for_this_process(
        service.name,
        action,
        lease=settings.lock_lease,
        keys=lock_keys(service, stages),
        run_name=run_name,
        flow_run_id=flow_run_id,
        prefect_api=prefect_api,
    )
    # Its own connection: the renewals must not queue behind a long symcli call.
    with (
        TransportPool(ssh_options) as pool,
        hold(
            pool.get(service.symcli_node),
            str(settings.lock_dir),
            holder,
            wait=settings.service_concurrency == "wait",
            logger=logger,
            on_takeover=on_takeover,
            stop=stop,
            command_timeout=min(settings.command_timeout, settings.lock_lease),
            what=f"{action.replace('_', ' ')} of {service.name}",
        ) as lock,
    ):
        yield lock
