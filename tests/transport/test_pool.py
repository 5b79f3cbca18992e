"""TransportPool: one transport per node for a flow run, shared safely between threads."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from clonepilot.nodes import NodeAddress, parse_node
from clonepilot.transport import LocalTransport, SSHTransport, Transport, TransportClosed, TransportPool
from tests.plugins.sshd import SSHServer


def test_localhost_is_local_and_other_nodes_are_ssh(sshd: SSHServer) -> None:
    with TransportPool(sshd.options) as pool:
        local = pool.get(parse_node("localhost"))
        remote = pool.get(parse_node(f"127.0.0.1:{sshd.port}"))
        assert isinstance(local, LocalTransport) and local.node == "localhost"
        assert isinstance(remote, SSHTransport)
        assert remote.run(["echo", "via pool"]).stdout == "via pool\n"


def test_one_transport_per_node_and_equivalent_spellings_share_it(sshd: SSHServer) -> None:
    with TransportPool(sshd.options) as pool:
        plain = pool.get(NodeAddress(host="127.0.0.1"))
        spelled = pool.get(NodeAddress(host="127.0.0.1", user=sshd.user, port=sshd.port))
        other_user = pool.get(NodeAddress(host="127.0.0.1", user="someone-else", port=sshd.port))
        assert plain is spelled
        assert other_user is not plain
        assert pool.get(parse_node("localhost")) is pool.get(parse_node("localhost"))


def test_node_port_overrides_the_default(sshd: SSHServer) -> None:
    with TransportPool(replace(sshd.options, port=1)) as pool:
        transport = pool.get(sshd.node)
        assert isinstance(transport, SSHTransport) and transport.port == sshd.port
        assert transport.run(["true"]).ok


def test_threads_get_one_transport_and_one_connection(sshd: SSHServer) -> None:
    got: list[Transport] = []
    outputs: list[str] = []
    barrier = threading.Barrier(8)

    def task(i: int) -> None:
        barrier.wait()
        transport = pool.get(sshd.node)
        got.append(transport)
        outputs.append(transport.run(["echo", str(i)]).stdout)

    with TransportPool(sshd.options) as pool:
        threads = [threading.Thread(target=task, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert len(got) == 8 and all(t is got[0] for t in got)
        assert sorted(outputs) == sorted(f"{i}\n" for i in range(8))
        transport = got[0]
        assert isinstance(transport, SSHTransport) and transport.connections_opened == 1


def test_close_closes_every_transport_and_the_pool(sshd: SSHServer) -> None:
    pool = TransportPool(sshd.options)
    remote = pool.get(sshd.node)
    local = pool.get(parse_node("localhost"))
    assert remote.run(["true"]).ok
    pool.close()
    for transport in (remote, local):
        with pytest.raises(TransportClosed):
            transport.run(["true"])
    with pytest.raises(TransportClosed):
        pool.get(sshd.node)
