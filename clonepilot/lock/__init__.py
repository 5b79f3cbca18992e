"""The run lock held next to the data (on the symcli node), whatever starts the run."""

from clonepilot.lock.holder import Holder, dead_because
from clonepilot.lock.runlock import (
    LockBusy,
    LockError,
    LockLost,
    RunLock,
    device_key,
    hold,
    keys_for,
    service_key,
)

__all__ = [
    "Holder",
    "LockBusy",
    "LockError",
    "LockLost",
    "RunLock",
    "dead_because",
    "device_key",
    "hold",
    "keys_for",
    "service_key",
]
