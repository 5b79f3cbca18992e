"""Persistent state of the simulated service host: $SYMSIM_HOME/host.json under its own flock.

The host has its own lock, separate from the array's state.lock, so host verbs never hold up symcli
calls for longer than their own device look-ups. Lock order is always host then array (the array never
takes the host lock), so the two can nest without deadlock.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from symsim.store import save_json

HOST_FILE = "host.json"
HOST_LOCK = "host.lock"
ENV_HOME = "SYMSIM_HOME"

HostState = dict[str, Any]


class HostError(Exception):
    """A failure the simulated host reports: text for stderr and the process exit code."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def empty_state() -> HostState:
    return {
        "version": 1,
        "vgs": {},  # name -> {sid, devs, pvs, imported, active, image}
        "mounts": {},  # mount point -> {dev, vg, image}
        "fsck": {},  # /dev/VG/LV -> {image, at}
        "ips": {},  # address -> {cidr, dev}
        "dbs": {},  # name -> {running, data, logs, image, started}
        "next_disk": 1,  # instance number of the next /dev/disk/diskN the host discovers
    }


def resolve_home() -> Path:
    value = os.environ.get(ENV_HOME, "")
    if not value:
        raise HostError(f"symsim-host: ${ENV_HOME} is not set", 2)
    home = Path(value).absolute()
    if not home.is_dir():
        raise HostError(f"symsim-host: state directory {home} does not exist (run 'symsim init' first)", 2)
    return home


def _load(path: Path) -> HostState:
    try:
        text = path.read_text()
    except FileNotFoundError:
        return empty_state()
    state = json.loads(text)
    # Files written by an older layout still load: missing sections start empty.
    for key, value in empty_state().items():
        state.setdefault(key, value)
    return state


@contextlib.contextmanager
def transaction(home: Path, *, write: bool = True) -> Iterator[HostState]:
    """Lock host.json (exclusive to write, shared to read) and yield it; written back on success only.

    A verb that fails raises before the write, so a refused action leaves the host exactly as it was.
    """
    with open(Path(home) / HOST_LOCK, "a+") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX if write else fcntl.LOCK_SH)
        try:
            state = _load(Path(home) / HOST_FILE)
            yield state
            if write:
                save_json(Path(home) / HOST_FILE, state, prefix=".host-")
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
