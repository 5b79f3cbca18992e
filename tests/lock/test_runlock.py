"""The run lock on a node, over the local transport and a real sshd: take, refuse, wait, take over."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from clonepilot.lock import Holder, LockBusy, LockError, LockLost, RunLock, keys_for
from clonepilot.lock import runlock as runlock_module
from clonepilot.transport import Transport
from clonepilot.transport.errors import UnsafeDirectoryError
from clonepilot.transport.local import LocalTransport
from clonepilot.transport.ssh import SSHTransport
from tests.plugins.sshd import SSHServer

log = logging.getLogger("tests.lock")
KEYS_A = keys_for("alpha", [("000197900123", "00110"), ("000197900123", "00111")])
KEYS_B = keys_for("beta", [("000197900123", "0111")])  # 0111 is 00111 at another width


@pytest.fixture(params=["local", "ssh"])
def transport(request: pytest.FixtureRequest) -> Iterator[Transport]:
    if request.param == "local":
        yield LocalTransport()
        return
    sshd: SSHServer = request.getfixturevalue("sshd")
    with SSHTransport(sshd.node, sshd.options) as ssh:
        yield ssh


def holder(service: str, keys: tuple[str, ...], **changes: object) -> Holder:
    made = Holder.for_this_process(service, "refresh", lease=60.0, keys=keys, run_name=f"refresh {service}")
    return dataclasses.replace(made, **changes)  # type: ignore[arg-type]


def lock(transport: Transport, directory: Path, h: Holder) -> RunLock:
    return RunLock(transport, str(directory), h, logger=log)


def records(directory: Path) -> dict[str, dict[str, object]]:
    return {p.parent.name: json.loads(p.read_text()) for p in sorted(directory.glob("*/holder.json"))}


def test_keys_name_the_service_and_each_target_at_any_width() -> None:
    assert KEYS_A == ("service-alpha", "device-000197900123-110", "device-000197900123-111")
    assert KEYS_B[1] == KEYS_A[2]


def test_taking_writes_a_record_per_key_and_releasing_removes_them(
    transport: Transport, tmp_path: Path
) -> None:
    directory = tmp_path / "locks"
    a = lock(transport, directory, holder("alpha", KEYS_A))
    a.acquire(wait=False)
    try:
        found = records(directory)
        assert sorted(found) == sorted(KEYS_A)
        assert {r["token"] for r in found.values()} == {a.holder.token}
        assert oct(directory.stat().st_mode & 0o777) == "0o700"
        a.renew()
        assert all(r["renewed"] == a.holder.renewed for r in records(directory).values())
    finally:
        a.release()
    assert list(directory.iterdir()) == []


def test_a_live_holder_refuses_the_second_run_which_takes_nothing(
    transport: Transport, tmp_path: Path
) -> None:
    directory = tmp_path / "locks"
    a = lock(transport, directory, holder("alpha", KEYS_A))
    a.acquire(wait=False)
    try:
        # beta's own service key comes first and is free: it must be given back when its device is not.
        b = lock(transport, directory, holder("beta", KEYS_B))
        with pytest.raises(LockBusy) as refused:
            b.acquire(wait=False, what="refresh of beta")
        message = str(refused.value)
        assert message.startswith("refresh of beta refused: 'refresh alpha' (")
        assert "is changing target device 111 of array 000197900123 now" in message
        assert "service_concurrency = refuse" in message
        assert refused.value.holder is not None and refused.value.holder.token == a.holder.token
        assert sorted(records(directory)) == sorted(KEYS_A)  # no service-beta left behind
    finally:
        a.release()


def test_a_waiting_run_takes_the_lock_once_the_holder_releases_it(
    transport: Transport, tmp_path: Path
) -> None:
    directory = tmp_path / "locks"
    a = lock(transport, directory, holder("alpha", KEYS_A))
    a.acquire(wait=False)
    waiting = threading.Event()

    class Seen(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "waits for" in record.getMessage():
                waiting.set()

    seen = Seen()
    log.addHandler(seen)
    log.setLevel(logging.INFO)
    b = lock(transport, directory, holder("alpha", ("service-alpha",)))
    waiter = threading.Thread(target=b.acquire, kwargs={"wait": True})
    try:
        waiter.start()
        assert waiting.wait(30), "the second run never said it waits"
        assert records(directory)["service-alpha"]["token"] == a.holder.token
        a.release()
        waiter.join(30)
        assert not waiter.is_alive()
        assert records(directory)["service-alpha"]["token"] == b.holder.token
    finally:
        log.removeHandler(seen)
        log.setLevel(logging.NOTSET)
        a.release()
        b.release()


def _dead_pid() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    return int(done.stdout)


def test_a_dead_holder_on_this_controller_is_taken_over_with_a_warning(
    transport: Transport, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    directory = tmp_path / "locks"
    dead = lock(transport, directory, holder("alpha", KEYS_A, pid=_dead_pid(), pid_start=None))
    dead.acquire(wait=False)
    dead._stop.set()  # a SIGKILL: no renewal, no release
    cleaned: list[tuple[str, str]] = []
    b = lock(transport, directory, holder("beta", KEYS_B))
    with caplog.at_level(logging.WARNING, logger="tests.lock"):
        b.acquire(wait=False, on_takeover=lambda h, why: cleaned.append((h.token, why)))
    try:
        assert [t for t, _ in cleaned] == [dead.holder.token]
        assert "is gone" in cleaned[0][1]
        warning = next(r.getMessage() for r in caplog.records if "took over" in r.getMessage())
        assert "'refresh alpha'" in warning and "is gone" in warning
        found = records(directory)
        # The dead run's service key stays: taking over is per key met, not the dead run's whole set.
        assert found["service-beta"]["token"] == b.holder.token
        assert found[KEYS_B[1]]["token"] == b.holder.token
        assert not [p for p in directory.iterdir() if p.name.startswith("stale.")]
    finally:
        b.release()


def _taken_by_a_new_run(transport: Transport, directory: Path) -> None:
    new = lock(transport, directory, holder("alpha", ("service-alpha",)))
    new.acquire(wait=False)
    try:
        assert records(directory)["service-alpha"]["token"] == new.holder.token
    finally:
        new.release()


def test_an_expired_lease_of_another_controller_is_taken_over(transport: Transport, tmp_path: Path) -> None:
    directory = tmp_path / "locks"
    old = holder("alpha", ("service-alpha",), controller="other-controller")
    old = dataclasses.replace(old, started=old.started - 600, renewed=old.renewed - 600)
    stale = lock(transport, directory, old)
    stale.acquire(wait=False)
    stale._stop.set()
    _taken_by_a_new_run(transport, directory)


def test_a_live_holder_of_another_controller_is_not_taken_over(transport: Transport, tmp_path: Path) -> None:
    directory = tmp_path / "locks"
    live = lock(
        transport, directory, holder("alpha", ("service-alpha",), controller="other", pid=_dead_pid())
    )
    live.acquire(wait=False)
    try:
        with pytest.raises(LockBusy):
            lock(transport, directory, holder("alpha", ("service-alpha",))).acquire(wait=False)
    finally:
        live.release()


def test_a_directory_without_record_is_taken_over_after_the_grace(
    transport: Transport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runlock_module, "MISSING_RECORD_GRACE", 1.0)
    directory = tmp_path / "locks"
    (directory / "service-alpha").mkdir(parents=True)  # killed between its mkdir and its write
    _taken_by_a_new_run(transport, directory)


def test_a_lock_taken_over_is_lost_and_stops_the_next_change(transport: Transport, tmp_path: Path) -> None:
    directory = tmp_path / "locks"
    a = lock(transport, directory, holder("alpha", ("service-alpha",)))
    a.acquire(wait=False)
    a.check()
    # Another run judged it dead (its node unreachable for a lease) and took it over.
    usurper = holder("alpha", ("service-alpha",))
    (directory / "service-alpha" / "holder.json").write_text(usurper.to_json())
    a.renew()
    with pytest.raises(LockLost, match="stopped before its next change: the run lock is lost"):
        a.check()
    a.release()
    assert records(directory)["service-alpha"]["token"] == usurper.token  # not ours to remove


def test_a_lock_directory_that_cannot_be_made_is_an_error_naming_it(
    transport: Transport, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    a = lock(transport, blocker / "locks", holder("alpha", ("service-alpha",)))
    with pytest.raises(
        LockError, match=r"cannot take the run lock in .*/file/locks on .*\(setting lock_dir\)"
    ):
        a.acquire(wait=False)


def test_a_lock_directory_of_another_user_is_refused(transport: Transport, tmp_path: Path) -> None:
    directory = tmp_path / "locks"
    directory.mkdir(mode=0o700)
    os.chown(directory, 65534, 65534)  # nobody's: they would decide whose runs are locked out
    a = lock(transport, directory, holder("alpha", ("service-alpha",)))
    with pytest.raises(UnsafeDirectoryError, match="lock_dir"):
        a.acquire(wait=False)
    assert list(directory.iterdir()) == []
