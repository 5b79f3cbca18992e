"""Transports under test: a local one, and an SSH one to the real test sshd."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from clonepilot.transport import LocalTransport, SSHTransport, Transport
from tests.plugins.sshd import SSHServer


@pytest.fixture
def ssh(sshd: SSHServer) -> Iterator[SSHTransport]:
    with SSHTransport(sshd.node, sshd.options) as transport:
        yield transport  # type: ignore[misc]


@pytest.fixture(params=["local", "ssh"])
def transport(request: pytest.FixtureRequest) -> Iterator[Transport]:
    """Each behaviour every transport must share, checked on both."""
    if request.param == "local":
        with LocalTransport() as local:
            yield local
    else:
        sshd: SSHServer = request.getfixturevalue("sshd")
        with SSHTransport(sshd.node, sshd.options) as remote:
            yield remote


def marker() -> str:
    """A unique sleep duration, so a test can find its own remote process in /proc."""
    return f"29.{uuid.uuid4().int % 10**8:08d}"


def pids_running(arg: str) -> list[int]:
    """Pids of live (not zombie) processes that have arg among their argv."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if arg.encode() in argv and state != "Z":
            found.append(int(entry))
    return found


def wait_until(predicate: object, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return bool(predicate())  # type: ignore[operator]
