"""Running the check's read-only commands: once each, every call kept for the capture bundle."""

from __future__ import annotations

import shlex
import threading
import time
from dataclasses import dataclass

from clonepilot.check.readonly import ReadOnlyCommand, refuse_unless_read_only
from clonepilot.nodes import NodeAddress
from clonepilot.transport import SSHOptions, TransportError, TransportPool


@dataclass(frozen=True)
class Call:
    """One command the check ran (or could not run: `error` says why, with no exit code)."""

    seq: int
    node: str
    kind: str
    argv: tuple[str, ...]
    exit_code: int | None
    stdout: str
    stderr: str
    started: float
    duration: float
    error: str | None = None

    @property
    def command(self) -> str:
        return shlex.join(self.argv)

    @property
    def ran(self) -> bool:
        return self.exit_code is not None

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


class Runner:
    """Runs allow-listed commands on nodes; the same command on the same node runs only once."""

    def __init__(self, ssh_options: SSHOptions, timeout: float | None) -> None:
        self.pool = TransportPool(ssh_options)
        self.timeout = timeout
        self._calls: list[Call] = []
        self._memo: dict[tuple[str, tuple[str, ...]], Call] = {}
        self._lock = threading.Lock()

    @property
    def calls(self) -> tuple[Call, ...]:
        with self._lock:
            return tuple(self._calls)

    def run(self, node: NodeAddress, command: ReadOnlyCommand) -> Call:
        if not isinstance(command, ReadOnlyCommand):
            raise TypeError("the check runs ReadOnlyCommand objects only")
        refuse_unless_read_only(command.argv)  # again, just before it leaves for the node
        key = (str(node), command.argv)
        with self._lock:
            if key in self._memo:
                return self._memo[key]
        started = time.time()
        clock = time.monotonic()
        try:
            result = self.pool.get(node).run(command.argv, timeout=self.timeout)
        except TransportError as exc:
            call = self._record(node, command, None, "", "", started, time.monotonic() - clock, str(exc))
        else:
            call = self._record(
                node, command, result.exit_code, result.stdout, result.stderr, started, result.duration, None
            )
        with self._lock:
            self._memo[key] = call
        return call

    def _record(
        self,
        node: NodeAddress,
        command: ReadOnlyCommand,
        exit_code: int | None,
        stdout: str,
        stderr: str,
        started: float,
        duration: float,
        error: str | None,
    ) -> Call:
        with self._lock:
            call = Call(
                len(self._calls) + 1,
                str(node),
                str(command.kind),
                command.argv,
                exit_code,
                stdout,
                stderr,
                started,
                duration,
                error,
            )
            self._calls.append(call)
            return call

    def close(self) -> None:
        self.pool.close()
