"""Persistent array state in $SYMSIM_HOME: one JSON document guarded by an flock.

Every command takes the lock for its whole read-modify-write, and writes through a temporary file
renamed over the old one, so concurrent simulated symcli processes never see a torn or lost update.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from symsim.errors import SymError

STATE_FILE = "state.json"
LOCK_FILE = "state.lock"
ENV_HOME = "SYMSIM_HOME"

# Defaults model a real array: ~4000 tracks/s of 128 KB (about 500 MB/s) shared by all its copies.
DEFAULT_TRACKS_PER_SEC = 4000.0
DEFAULT_TIME_SCALE = 1.0
# Tracks per (simulated) second a busy source changes; recreate of a differential pair copies these.
DEFAULT_WRITE_RATE = 2.0
# A control action holds its device locks this long (simulated s), plus a little per device.
DEFAULT_OP_TIME = 0.5
DEFAULT_OP_TIME_PER_DEV = 0.02


def resolve_home(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The state directory: the explicit path, else $SYMSIM_HOME; an error if neither is set."""
    value = os.fspath(explicit) if explicit else os.environ.get(ENV_HOME, "")
    if not value:
        raise SymError(f"symsim: no state directory: set ${ENV_HOME} or pass --home")
    return Path(value).absolute()


def empty_state() -> dict[str, Any]:
    return {
        "version": 1,
        "time_scale": DEFAULT_TIME_SCALE,
        "op_time": DEFAULT_OP_TIME,
        "op_time_per_dev": DEFAULT_OP_TIME_PER_DEV,
        "arrays": {},
        "groups": {},
        "faults": [],
        "next_fault_id": 1,
    }


def _load(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text()
    except FileNotFoundError:
        return empty_state()
    return json.loads(text)


def save_json(path: Path, state: Any, *, prefix: str = ".state-") -> None:
    """Write state whole and rename it into place: a reader never sees half a file."""
    fd, tmp = tempfile.mkstemp(prefix=prefix, dir=path.parent)
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(state, fh, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def transaction(home: Path, *, create: bool = False) -> Iterator[dict[str, Any]]:
    """Lock the state, yield it for modification, and write it back if the block succeeds.

    The simulated time is advanced by the caller (timemodel.advance) inside the transaction so that
    the lazily computed copy progress is persisted under the same lock.
    """
    if not home.is_dir():
        if not create:
            raise SymError(f"symsim: state directory {home} does not exist (run 'symsim init' first)")
        home.mkdir(parents=True, exist_ok=True)
    with open(home / LOCK_FILE, "a+") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            state = _load(home / STATE_FILE)
            yield state
            save_json(home / STATE_FILE, state)
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
