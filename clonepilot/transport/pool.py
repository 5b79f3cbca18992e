"""One transport per node for the lifetime of a flow run, shared by its tasks."""

from __future__ import annotations

import getpass
import threading
from types import TracebackType

from clonepilot.nodes import NodeAddress
from clonepilot.transport.base import Transport
from clonepilot.transport.errors import TransportClosed, describe
from clonepilot.transport.local import LocalTransport
from clonepilot.transport.ssh import SSHOptions, SSHTransport


class TransportPool:
    """Hands out one transport per node; close() closes them all. Safe to share between threads.

    Nodes that resolve to the same destination (`db1` and `oracle@db1:22` when the default user
    is oracle) share one transport, hence one SSH connection.
    """

    def __init__(self, ssh_options: SSHOptions | None = None) -> None:
        self.ssh_options = ssh_options or SSHOptions()
        self._transports: dict[tuple[str, str | None, int | None], Transport] = {}
        # Creating a transport is cheap (SSH connects lazily, under the transport's own lock),
        # so one pool-wide lock is enough to guarantee a single transport per node.
        self._lock = threading.Lock()
        self._closed = False

    def __repr__(self) -> str:
        return f"TransportPool(nodes={sorted(str(t.node) for t in self._transports.values())!r})"

    def _key(self, node: NodeAddress) -> tuple[str, str | None, int | None]:
        if node.is_local:
            return (node.host, None, None)
        user = node.user or self.ssh_options.user or getpass.getuser()
        return (node.host, user, node.port or self.ssh_options.port)

    def get(self, node: NodeAddress) -> Transport:
        key = self._key(node)
        with self._lock:
            if self._closed:
                raise TransportClosed(
                    describe(str(node), None, "the transport pool was closed (its flow run ended)"),
                    node=str(node),
                )
            transport = self._transports.get(key)
            if transport is None:
                transport = (
                    LocalTransport(str(node)) if node.is_local else SSHTransport(node, self.ssh_options)
                )
                self._transports[key] = transport
            return transport

    def close(self) -> None:
        with self._lock:
            self._closed = True
            transports = list(self._transports.values())
            self._transports.clear()
        for transport in transports:
            transport.close()

    def __enter__(self) -> TransportPool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
