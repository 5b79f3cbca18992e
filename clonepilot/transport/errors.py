"""Errors at the transport boundary: reaching a node and running a command there.

A command that runs and exits non-zero is not an error here (callers interpret exit codes);
these are raised when the command could not be run, or its outcome cannot be known.
paramiko and socket exceptions never escape the transport package: they become one of these.
"""

from __future__ import annotations

from clonepilot.errors import ClonepilotError, PermanentError, RetryableError


class TransportError(ClonepilotError):
    """Base of the transport errors; carries the node and the quoted command (if any)."""

    def __init__(self, message: str, *, node: str, command: str | None = None) -> None:
        super().__init__(message)
        self.node = node
        self.command = command


class ConnectError(TransportError, RetryableError):
    """The node could not be reached: refused, unreachable, timed out, or the SSH handshake failed."""


class HostKeyError(TransportError, PermanentError):
    """The node's host key is unknown or differs from the one recorded in known_hosts."""

    def __init__(
        self, message: str, *, node: str, command: str | None = None, fingerprint: str, changed: bool
    ) -> None:
        super().__init__(message, node=node, command=command)
        self.fingerprint = fingerprint
        self.changed = changed


class AuthError(TransportError, PermanentError):
    """The node refused every credential offered (or a key file could not be used)."""


class CommandTimeout(TransportError, RetryableError):
    """The command ran longer than its timeout; it was killed."""

    def __init__(self, message: str, *, node: str, command: str | None = None, timeout: float) -> None:
        super().__init__(message, node=node, command=command)
        self.timeout = timeout


class ConnectionDropped(TransportError, RetryableError):
    """The connection died while a command ran: it may or may not have completed on the node."""


class FileWriteError(TransportError, PermanentError):
    """A file could not be written on the node (permissions, disk full, a parent is not a directory)."""


class UnsafeDirectoryError(TransportError, PermanentError):
    """A directory that must be private to the login user is not: a symlink, not a directory, or
    owned by someone else. Nothing was written in it."""

    def __init__(self, message: str, *, node: str, path: str, owner_uid: int | None, mode: int) -> None:
        super().__init__(message, node=node)
        self.path = path
        self.owner_uid = owner_uid
        self.mode = mode


class TransportClosed(TransportError, PermanentError):
    """The transport was used after close(): a programming error in the caller."""


def describe(node: str, command: str | None, text: str) -> str:
    """The common head of every transport message: which node, which command, then what happened."""
    if command is None:
        return f"node {node}: {text}"
    return f"node {node}: cannot run `{command}`: {text}"
