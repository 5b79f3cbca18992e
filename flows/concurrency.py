"""Who may change what at the same time: Prefect global concurrency limits around an action's run.

* One state-changing action per service: `clonepilot-service-<service>`, limit 1, held for the whole
  run. A second action on the same service is refused at once with a message naming the running
  one (setting `service_concurrency = refuse`, the default) or waits for it (`wait`).
* A cap per array on the runs that change its clone sets (symclone create, recreate, activate,
  terminate), across every service: `clonepilot-array-<sid>`, limit `array_concurrency`; such a
  run holds one slot of each array it changes for its whole length, its copies included.

Limits are created on the Prefect server when missing, then acquired with `strict=True`, so a limit
that does not exist can never silently enforce nothing. Read-only runs (dry_run) take no limit.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import httpx
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate, GlobalConcurrencyLimitUpdate
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterId,
    FlowRunFilterState,
    FlowRunFilterStateType,
    FlowRunFilterTags,
)
from prefect.client.schemas.objects import ConcurrencyLeaseHolder, StateType
from prefect.concurrency._asyncio import ConcurrencySlotAcquisitionError, _discard_cleanup_lease
from prefect.concurrency._events import emit_concurrency_acquisition_events, emit_concurrency_release_events
from prefect.concurrency._leases import maintain_concurrency_lease
from prefect.concurrency._sync import (
    acquire_concurrency_slots_with_lease,
    release_concurrency_slots_with_lease,
)
from prefect.context import FlowRunContext
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

from clonepilot.config.models import AnyResource, SymcloneSync
from clonepilot.engine.run_lock import ARRAY_STEPS
from clonepilot.errors import PermanentError
from clonepilot.settings import Settings

Logger = logging.Logger | logging.LoggerAdapter[Any]
LeaseHook = Callable[[str], None]

SERVICE_LIMIT_PREFIX = "clonepilot-service-"
ARRAY_LIMIT_PREFIX = "clonepilot-array-"
# Slots are leased and renewed while held; a run killed without releasing frees them within this.
LEASE_SECONDS = 60.0
# How long a refused run looks for the running one (it tags itself right after taking the slot).
HOLDER_POLL_SECONDS = 0.5
HOLDER_LOOKUP_SECONDS = 3.0
# Prefect names may not hold these.
_BANNED = "/%&><"


class ServiceBusy(PermanentError):
    """Another state-changing action runs on the service and `service_concurrency` is `refuse`."""


def _limit_name(prefix: str, key: str) -> str:
    return prefix + "".join("-" if c in _BANNED else c for c in key)


def service_limit_name(service: str) -> str:
    return _limit_name(SERVICE_LIMIT_PREFIX, service)


def array_limit_name(resource: SymcloneSync) -> str:
    """Per array (symid); a device-group resource without symid is keyed by its group."""
    key = resource.symid if resource.symid else f"dg-{resource.symdg}"
    return _limit_name(ARRAY_LIMIT_PREFIX, key)


def ensure_limit(name: str, limit: int, *, exact: bool, logger: Logger) -> None:
    """Create the global concurrency limit when missing; reactivate it if disabled.

    exact=True also resets its limit (the per-service guard is 1 by definition); otherwise an
    existing limit is left as an administrator may have tuned it in the UI.
    """
    with get_client(sync_client=True) as client:
        try:
            current = client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            try:
                client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=limit))
                logger.info("created the Prefect global concurrency limit %s (limit %d)", name, limit)
            except ObjectAlreadyExists:
                pass  # another run created it first
            return
        update: dict[str, Any] = {}
        if not current.active:
            update["active"] = True
        if exact and current.limit != limit:
            update["limit"] = limit
        elif current.limit != limit:
            logger.info("%s keeps its limit %d set on the server (setting: %d)", name, current.limit, limit)
        if update:
            logger.warning("resetting the Prefect global concurrency limit %s: %s", name, update)
            client.update_global_concurrency_limit(name, GlobalConcurrencyLimitUpdate(**update))


def _flow_run_id() -> Any:
    ctx = FlowRunContext.get()
    return ctx.flow_run.id if ctx is not None and ctx.flow_run is not None else None


def _holder() -> ConcurrencyLeaseHolder | None:
    run_id = _flow_run_id()
    return ConcurrencyLeaseHolder(type="flow_run", id=run_id) if run_id is not None else None


def _locked(exc: BaseException) -> bool:
    """True when slot acquisition failed because the limit is full (HTTP 423)."""
    cause = exc.__cause__
    return isinstance(cause, httpx.HTTPStatusError) and cause.response.status_code == 423


def _mark_holder(tag: str) -> None:
    """Tag our own flow run with the limit's name: the UI and a refused run can see who holds it."""
    run_id = _flow_run_id()
    if run_id is None:
        return
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(run_id)
        if tag not in run.tags:
            client.update_flow_run(run_id, tags=[*run.tags, tag])


def running_holders(tag: str) -> list[str]:
    """The running flow runs (other than ours) that took the slot tagged `tag`, as readable names."""
    own = _flow_run_id()
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                tags=FlowRunFilterTags(all_=[tag]),
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.RUNNING])),
                id=FlowRunFilterId(not_any_=[own]) if own is not None else None,
            ),
            limit=10,
        )
    return [
        f"'{r.name}' (flow run {r.id}, running since {r.start_time:%Y-%m-%d %H:%M:%S %Z})"
        if r.start_time
        else f"'{r.name}' (flow run {r.id})"
        for r in runs
    ]


def _describe_holders(tag: str) -> str:
    deadline = time.monotonic() + HOLDER_LOOKUP_SECONDS
    while True:
        names = running_holders(tag)
        if names or time.monotonic() > deadline:
            break
        # A bounded poll: the holder tags its run right after taking the slot.
        time.sleep(HOLDER_POLL_SECONDS)
    if names:
        return " and ".join(names)
    return f"another run (not identified; a killed run's slot frees within {LEASE_SECONDS:.0f} s)"


@contextlib.contextmanager
def service_guard(
    settings: Settings,
    service: str,
    action: str,
    *,
    dry_run: bool,
    logger: Logger,
    run_lock_held: bool = False,
    on_lease: LeaseHook | None = None,
) -> Iterator[None]:
    """Hold the service's slot for the whole action: refuse or wait while another action runs.

    `run_lock_held`: this run holds the service's run lock (clonepilot.lock), which every run takes
    before this slot and gives back after it. A slot found taken is then a dead run's: it is freed.
    """
    if dry_run:
        yield
        return
    name = service_limit_name(service)
    ensure_limit(name, 1, exact=True, logger=logger)
    wait = settings.service_concurrency == "wait"
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(
                _acquire_freeing_stale(name, run_lock_held=run_lock_held, logger=logger, on_lease=on_lease)
            )
        except ConcurrencySlotAcquisitionError as exc:
            if not _locked(exc):
                raise
            running = _describe_holders(name)
            if not wait:
                raise ServiceBusy(
                    f"{action} of {service} refused: {running} is changing {service} now"
                    f" (service_concurrency = refuse; set it to wait to queue instead)"
                ) from None
            logger.info("%s of %s waits for %s to finish (limit %s)", action, service, running, name)
            started = time.monotonic()
            stack.enter_context(_acquire(name, retries=None, on_lease=on_lease))
            logger.info("%s of %s starts after waiting %.1f s", action, service, time.monotonic() - started)
        try:
            _mark_holder(name)
        except Exception as exc:  # only the refused runs' message depends on it
            logger.warning("could not tag this run as the holder of %s: %s", name, exc)
        yield


@contextlib.contextmanager
def _acquire_freeing_stale(
    name: str, *, run_lock_held: bool, logger: Logger, on_lease: LeaseHook | None
) -> Iterator[None]:
    if run_lock_held:
        _free_stale_slot(name, logger)
    with _acquire(name, retries=0, on_lease=on_lease):
        yield


def _free_stale_slot(name: str, logger: Logger) -> None:
    """Free the service's slot if taken: this run holds the run lock, so its holder is dead.

    A killed run's lease is renewed by nobody, and a temporary server that restarts forgets the
    lease but not the slot, which then stays taken for good. Checked before acquiring, so that a
    normal takeover does not show Prefect's error for a refused acquisition.
    """
    with get_client(sync_client=True) as client:
        limit = client.read_global_concurrency_limit_by_name(name)
        if limit.active_slots < limit.limit:
            return
        holders = running_holders(name)
        logger.warning(
            "the Prefect limit %s is taken by %s although this run holds the service's run lock: a dead"
            " run's slot, freed",
            name,
            " and ".join(holders) or "no running flow run",
        )
        client.update_global_concurrency_limit(name, GlobalConcurrencyLimitUpdate(active_slots=0))


@contextlib.contextmanager
def _acquire(
    name: str | list[str], *, retries: int | None, occupy: int = 1, on_lease: LeaseHook | None = None
) -> Iterator[None]:
    """prefect.concurrency.sync.concurrency(strict=True), and the lease's id told to `on_lease`.

    The id goes into the run lock's record: a run that takes over a killed holder's lock gives back
    the Prefect slots that holder leased, at once (tolerant of Prefect's module layout changing:
    tests/e2e check slots are freed).
    """
    names = name if isinstance(name, list) else [name]
    response = acquire_concurrency_slots_with_lease(
        names, occupy, max_retries=retries, lease_duration=LEASE_SECONDS, strict=True, holder=_holder()
    )
    events = emit_concurrency_acquisition_events(response.limits, occupy)
    if on_lease is not None:
        on_lease(str(response.lease_id))
    try:
        # A refresh must not die halfway because one lease renewal hit a network blip.
        with maintain_concurrency_lease(
            response.lease_id, LEASE_SECONDS, raise_on_lease_renewal_failure=False
        ):
            yield
    finally:
        release_concurrency_slots_with_lease(response.lease_id)
        _discard_cleanup_lease(response.lease_id)
        emit_concurrency_release_events(response.limits, occupy, events)


def release_dead_leases(lease_ids: Iterable[str], logger: Logger) -> None:
    """Give back the Prefect slots a dead run leased, where this server still knows the lease."""
    with get_client(sync_client=True) as client:
        for lease_id in lease_ids:
            try:
                client.release_concurrency_slots_with_lease(uuid.UUID(lease_id))
            except (ObjectNotFound, httpx.HTTPStatusError):
                continue  # expired and revoked already, or a lease of another server
            logger.warning("gave back the Prefect slots of the dead run's lease %s", lease_id)


def changed_arrays(stages: Iterable[tuple[str, Iterable[AnyResource]]]) -> list[str]:
    """The array limits of the clone sets that a run's steps change (not the ones it only reads)."""
    return sorted(
        {
            array_limit_name(r)
            for step, resources in stages
            if step in ARRAY_STEPS
            for r in resources
            if isinstance(r, SymcloneSync)
        }
    )


@contextlib.contextmanager
def array_slots(
    settings: Settings,
    names: list[str],
    *,
    dry_run: bool,
    logger: Logger,
    on_lease: LeaseHook | None = None,
) -> Iterator[None]:
    """Hold one slot of each array the run changes, from its start to its end (waiting if full).

    One acquisition for all of them, from the flow's own thread: on a SQLite Prefect server, lease
    writes from parallel threads collide (HTTP 503) and the client retries about 2 s later.
    """
    if dry_run or not names:
        yield
        return
    for name in names:
        ensure_limit(name, settings.array_concurrency, exact=False, logger=logger)
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(_acquire(names, retries=0, on_lease=on_lease))
        except ConcurrencySlotAcquisitionError as exc:
            if not _locked(exc):
                raise
            logger.info(
                "waiting for a slot of %s (state-changing runs on an array are capped)", ", ".join(names)
            )
            started = time.monotonic()
            stack.enter_context(_acquire(names, retries=None, on_lease=on_lease))
            logger.info("got a slot of %s after %.1f s", ", ".join(names), time.monotonic() - started)
        yield
