"""The one interface every transport offers: run an argv on a node, write a file there, keep a
directory private to the login user."""

from __future__ import annotations

import re
import shlex
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType

from clonepilot.transport.privatedir import DEFAULT_REMEDY

# Names a POSIX shell and `env` accept; anything else would be misread as part of the command.
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class CommandResult:
    """What one command did on one node. A non-zero exit_code is a result, not an error.

    exit_code follows subprocess conventions where it can: a command killed by signal N
    locally gives -N; over SSH the signal number is not reported, so it gives -1.
    """

    node: str
    argv: tuple[str, ...]
    exit_code: int
    stdout: str
    stderr: str
    duration: float

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    @property
    def command(self) -> str:
        """The argv as one shell-quoted line, for logs and messages."""
        return shlex.join(self.argv)


def check_argv(argv: Sequence[str]) -> tuple[str, ...]:
    """Return argv as a tuple of str; refuse an empty argv or a bare string (which would run as chars)."""
    if isinstance(argv, str | bytes):
        raise TypeError("argv must be a sequence of arguments, not a single string")
    args = tuple(argv)
    if not args:
        raise ValueError("argv is empty: there is no command to run")
    for arg in args:
        if not isinstance(arg, str):
            raise TypeError(f"argv items must be str, got {type(arg).__name__}: {arg!r}")
    return args


def check_env(env: Mapping[str, str] | None) -> dict[str, str]:
    """Validate environment names, which end up on a command line over SSH."""
    if not env:
        return {}
    for name, value in env.items():
        if not _ENV_NAME.match(name):
            raise ValueError(f"environment variable name {name!r} is not a valid shell name")
        if not isinstance(value, str):
            raise TypeError(f"environment variable {name} must be a str, got {type(value).__name__}")
    return dict(env)


class Transport(ABC):
    """Runs commands and writes files on one node. Safe to share between threads."""

    node: str

    @abstractmethod
    def run(
        self,
        argv: Sequence[str],
        *,
        timeout: float | None = None,
        env: Mapping[str, str] | None = None,
        stdin: str | None = None,
    ) -> CommandResult:
        """Run argv (no shell interpretation of its items) and wait for it.

        env is added to the node's environment; stdin, if given, is fed then closed (with no
        stdin the command reads end-of-file). Raises a TransportError subclass when the
        command cannot be run or its outcome is unknown; CommandTimeout after timeout seconds.
        """

    @abstractmethod
    def write_file(self, path: str, content: str, mode: int = 0o600) -> None:
        """Atomically replace path on the node with content (creating parent directories)."""

    @property
    @abstractmethod
    def login_user(self) -> str:
        """The user commands run as and files are written by on the node."""

    @abstractmethod
    def ensure_private_dir(self, path: str, *, remedy: str = DEFAULT_REMEDY) -> str | None:
        """Make sure path is a directory only the login user can use before files are written in it.

        A missing one is created mode 0700 (its missing parents as usual). An existing one must be a
        real directory (not a symlink) owned by the login user, else UnsafeDirectoryError (naming
        node, path, owner and mode, then `remedy`) and nothing is changed; group and other bits on
        it are cleared. Returns the warning to log when it had to clear them, else None.
        """

    @abstractmethod
    def close(self) -> None:
        """Release connections; the transport may not be used afterwards."""

    def __enter__(self) -> Transport:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
