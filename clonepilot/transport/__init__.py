"""Running commands and writing files on nodes: locally, or over SSH."""

from clonepilot.transport.base import CommandResult, Transport
from clonepilot.transport.errors import (
    AuthError,
    CommandTimeout,
    ConnectError,
    ConnectionDropped,
    FileWriteError,
    HostKeyError,
    TransportClosed,
    TransportError,
    UnsafeDirectoryError,
)
from clonepilot.transport.local import LocalTransport
from clonepilot.transport.pool import TransportPool
from clonepilot.transport.ssh import SSHOptions, SSHTransport

__all__ = [
    "AuthError",
    "CommandResult",
    "CommandTimeout",
    "ConnectError",
    "ConnectionDropped",
    "FileWriteError",
    "HostKeyError",
    "LocalTransport",
    "SSHOptions",
    "SSHTransport",
    "Transport",
    "TransportClosed",
    "TransportError",
    "TransportPool",
    "UnsafeDirectoryError",
]
