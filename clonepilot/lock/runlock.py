"""The run lock: one state-changing run per service and per target device, seen by every runner.

The lock lives next to the data, in `lock_dir` on the service's symcli node, taken over the same
transport as the symcli calls: a terminal run on a temporary Prefect server, a worker of a real
server and a second operator with another PREFECT_HOME all meet there. A directory per key
(`service-<svc>`, `device-<sid>-<dev>` for each target a run changes) holds the holder's record;
the holder renews it every quarter lease while it lives. A holder whose process is gone (on this
controller) or whose lease expired is taken over with a warning naming it; a live one refuses the
new run or makes it wait (`service_concurrency`).

A holder that cannot renew for a whole lease (its node unreachable) may be taken over by another
run: it then counts its lock as lost and refuses every further state-changing command.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any, Protocol

from clonepilot.errors import PermanentError
from clonepilot.lock import scripts
from clonepilot.lock.holder import Holder, dead_because
from clonepilot.transport import Transport
from clonepilot.transport.errors import FileWriteError, TransportError

Logger = logging.Logger | logging.LoggerAdapter[Any]
TakeoverHook = Callable[[Holder, str], None]


class Stoppable(Protocol):
    """What a waiting acquire watches to give up (a threading.Event, a run's StopRequest)."""

    def is_set(self) -> bool: ...

    def wait(self, timeout: float | None = None) -> bool: ...


# A lock directory seen without its record this long is a holder killed between its mkdir and its
# write (a fraction of a second apart), not one still writing.
MISSING_RECORD_GRACE = 5.0
POLL_FIRST = 0.5
POLL_MAX = 5.0


class LockError(PermanentError):
    """The lock could not be taken or kept (not a busy lock: permissions, a node error)."""


class LockBusy(PermanentError):
    """A live run holds the lock and the settings say refuse."""

    def __init__(self, message: str, holder: Holder | None) -> None:
        super().__init__(message)
        self.holder = holder


class LockLost(PermanentError):
    """Another run took this run's lock over (it could not renew for a whole lease): stop changing."""


def service_key(service: str) -> str:
    return scripts.check_key(f"service-{service}")


def device_key(array: str, device: str) -> str:
    """`device-<sid>-<dev>`, the device id without leading zeros so that any width names one device."""
    dev = device.upper().lstrip("0") or "0"
    return scripts.check_key(f"device-{array}-{dev}")


class RunLock:
    """The keys of one run on one node; `acquire()`, then `release()` (or use `hold()`)."""

    def __init__(
        self,
        transport: Transport,
        directory: str,
        holder: Holder,
        *,
        logger: Logger,
        command_timeout: float = 60.0,
    ) -> None:
        self.transport = transport
        self.directory = directory.rstrip("/") or "/"
        self.holder = holder
        self.logger = logger
        self.command_timeout = command_timeout
        self.lost = threading.Event()
        self.lost_reason = ""
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None
        self._record_lock = threading.Lock()
        self._held = False

    @property
    def node(self) -> str:
        return str(self.transport.node)

    @property
    def where(self) -> str:
        return f"{self.directory} on {self.node}"

    # --- taking it ----------------------------------------------------------------------------

    def acquire(
        self,
        *,
        wait: bool,
        on_takeover: TakeoverHook | None = None,
        stop: Stoppable | None = None,
        what: str = "",
    ) -> None:
        """Take every key or none; a dead holder's keys are taken over, a live one refuses or waits."""
        what = what or f"{self.holder.action} of {self.holder.service}"
        # Whoever owns the directory decides whose runs are locked out: only the login user.
        try:
            warning = self.transport.ensure_private_dir(
                self.directory,
                remedy="remove it, or set lock_dir to a directory of the user every controller logs in as",
            )
        except FileWriteError as exc:
            raise LockError(
                f"{what}: cannot take the run lock in {self.where}: {exc} (setting lock_dir)"
            ) from exc
        if warning:
            self.logger.warning("%s", warning)
        missing_since: dict[str, float] = {}
        delay = POLL_FIRST
        waiting_for = ""
        started = time.monotonic()
        while True:
            result = self._run(scripts.acquire_argv(self.directory, self.holder.keys), stdin=self._record())
            if result.exit_code == 0:
                break
            busy = scripts.parse_busy(result.stdout) if result.exit_code == scripts.BUSY else None
            if busy is None:
                raise LockError(
                    f"{what}: cannot take the run lock in {self.where} (exit {result.exit_code}):"
                    f" {result.stderr.strip() or result.stdout.strip() or 'no message'}. Every controller"
                    " must log in to the symcli node as a user who may write there: the same user for all,"
                    " or set lock_dir to a directory they share"
                )
            other = Holder.from_json(busy.record) if busy.record else None
            if other is None:
                first = missing_since.setdefault(busy.key, time.monotonic())
                if time.monotonic() - first >= MISSING_RECORD_GRACE:
                    self._take_over(
                        busy.key,
                        "",
                        f"its directory has had no readable holder record for {MISSING_RECORD_GRACE:.0f} s",
                        None,
                        on_takeover,
                    )
                    continue
            else:
                missing_since.pop(busy.key, None)
                reason = dead_because(other)
                if reason is not None:
                    self._take_over(busy.key, other.token, reason, other, on_takeover)
                    continue
                if not wait:
                    raise LockBusy(
                        f"{what} refused: {other.describe()} is changing {_subject(busy.key)} now (lock"
                        f" {busy.key} in {self.where}; service_concurrency = refuse, set it to wait to"
                        " queue instead)",
                        other,
                    )
                if waiting_for != other.token:
                    waiting_for = other.token
                    self.logger.info(
                        "%s waits for %s to finish (lock %s in %s)",
                        what,
                        other.describe(),
                        busy.key,
                        self.where,
                    )
            if stop is not None and stop.is_set():
                raise LockError(f"{what}: stopped while waiting for the run lock in {self.where}")
            # Adaptive: quick while a holder may be finishing or writing its record, slower later.
            (stop or self._stop).wait(delay)
            delay = min(delay * 1.5, POLL_MAX)
        self._held = True
        if waiting_for:
            self.logger.info("%s took the run lock after waiting %.1f s", what, time.monotonic() - started)
        self._renewer = threading.Thread(
            target=self._renew_loop, name=f"run-lock {self.holder.service}", daemon=True
        )
        self._renewer.start()

    def _take_over(
        self, key: str, token: str, reason: str, other: Holder | None, hook: TakeoverHook | None
    ) -> None:
        """Move aside every key of ours that the dead holder still holds (the one met among them)."""
        keys = [key] if other is None else [k for k in self.holder.keys if k == key or k in other.keys]
        result = self._run(scripts.takeover_argv(self.directory, token, uuid.uuid4().hex[:8], keys))
        if result.exit_code != 0:
            raise LockError(
                f"cannot take over the run lock {key} in {self.where} (exit {result.exit_code}):"
                f" {result.stderr.strip() or 'no message'}"
            )
        moved = scripts.parse_moved(result.stdout)
        if not moved:
            return  # someone else took it over first: the next attempt meets them
        who = other.describe() if other is not None else "a run that left no record"
        self.logger.warning(
            "took over the run lock %s in %s from %s: %s", ", ".join(moved), self.where, who, reason
        )
        if hook is not None and other is not None:
            try:
                hook(other, reason)
            except Exception as exc:  # cleaning up after a dead run must not stop the living one
                self.logger.warning("could not clean up after the dead holder %s: %s", other.describe(), exc)

    # --- keeping it ---------------------------------------------------------------------------

    def update(self, **changes: Any) -> None:
        """Change the record (e.g. once the Prefect run is known) and write it at once."""
        with self._record_lock:
            self.holder = replace(self.holder, **changes)
        if self._held:
            self.renew()

    def add_lease(self, lease_id: str) -> None:
        """Record a Prefect lease this run took (see Holder.prefect_leases)."""
        self.update(prefect_leases=(*self.holder.prefect_leases, lease_id))

    def renew(self) -> None:
        with self._record_lock:
            self.holder = self.holder.renewed_now()
        result = self._run(
            scripts.renew_argv(self.directory, self.holder.token, self.holder.keys), stdin=self._record()
        )
        lost = scripts.parse_lost(result.stdout)
        if lost:
            self._lose(f"another run took over {', '.join(lost)} in {self.where}")
        elif result.exit_code != 0:
            raise LockError(
                f"renewing the run lock in {self.where} failed (exit {result.exit_code}):"
                f" {result.stderr.strip()}"
            )

    def _renew_loop(self) -> None:
        interval = self.holder.lease / 4
        last_ok = time.time()
        while not self._stop.wait(interval):
            try:
                self.renew()
                last_ok = time.time()
                interval = self.holder.lease / 4
            except (TransportError, LockError) as exc:
                silent = time.time() - last_ok
                if silent >= self.holder.lease:
                    self._lose(
                        f"it could not be renewed for {silent:.0f} s (lease {self.holder.lease:.0f} s): {exc}"
                    )
                    return
                self.logger.warning("renewing the run lock in %s failed, retrying: %s", self.where, exc)
                interval = max(1.0, interval / 2)
            if self.lost.is_set():
                return

    def _lose(self, reason: str) -> None:
        if not self.lost.is_set():
            self.lost_reason = reason
            self.lost.set()
            self.logger.error(
                "the run lock of %s is lost: %s; no further change will be made", self.holder.service, reason
            )

    def check(self) -> None:
        """Raise LockLost once the lock is no longer this run's: called before each state-changing command."""
        if self.lost.is_set():
            raise LockLost(
                f"{self.holder.action} of {self.holder.service} stopped before its next change: the run lock"
                f" is lost ({self.lost_reason})"
            )

    # --- giving it back -----------------------------------------------------------------------

    def release(self) -> None:
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join(timeout=self.command_timeout)
        if not self._held:
            return
        self._held = False
        try:
            self._run(scripts.release_argv(self.directory, self.holder.token, self.holder.keys))
        except TransportError as exc:
            self.logger.warning(
                "could not release the run lock in %s (%s): the next run takes it over once its lease of"
                " %.0f s has expired",
                self.where,
                exc,
                self.holder.lease,
            )

    def _record(self) -> str:
        with self._record_lock:
            return self.holder.to_json()

    def _run(self, argv: list[str], stdin: str | None = None) -> Any:
        return self.transport.run(argv, timeout=self.command_timeout, stdin=stdin)


def _subject(key: str) -> str:
    if key.startswith("service-"):
        return f"service {key.removeprefix('service-')}"
    if key.startswith("device-"):
        array, _, dev = key.removeprefix("device-").rpartition("-")
        return f"target device {dev} of array {array}"
    return key


@contextlib.contextmanager
def hold(
    transport: Transport,
    directory: str,
    holder: Holder,
    *,
    wait: bool,
    logger: Logger,
    on_takeover: TakeoverHook | None = None,
    stop: Stoppable | None = None,
    command_timeout: float = 60.0,
    what: str = "",
) -> Iterator[RunLock]:
    """The lock held for the block: acquired (see RunLock.acquire), then released whatever happens."""
    lock = RunLock(transport, directory, holder, logger=logger, command_timeout=command_timeout)
    lock.acquire(wait=wait, on_takeover=on_takeover, stop=stop, what=what)
    try:
        yield lock
    finally:
        lock.release()


def keys_for(service: str, targets: Iterable[tuple[str, str]]) -> tuple[str, ...]:
    """The service's key first, then its targets' keys in a fixed order (so two runs never deadlock)."""
    devices = sorted({device_key(array, dev) for array, dev in targets})
    return (service_key(service), *devices)
