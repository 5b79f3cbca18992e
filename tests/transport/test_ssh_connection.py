"""One SSH connection per node: reuse, reconnection, drops, and failures to connect."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from dataclasses import replace

import pytest

from clonepilot.errors import PermanentError, RetryableError
from clonepilot.nodes import NodeAddress
from clonepilot.transport import ConnectError, ConnectionDropped, SSHTransport, TransportError
from tests.plugins.sshd import SSHServer

from .conftest import marker, pids_running, wait_until


def test_many_commands_share_one_connection(sshd: SSHServer, ssh: SSHTransport, tmp_path) -> None:
    before = sshd.accepted_logins()
    for i in range(5):
        assert ssh.run(["echo", str(i)]).stdout == f"{i}\n"
    ssh.write_file(str(tmp_path / "f"), "x")
    threads = [threading.Thread(target=ssh.run, args=(["true"],)) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert ssh.connections_opened == 1
    assert wait_until(lambda: sshd.accepted_logins() == before + 1, timeout=2)
    assert sshd.accepted_logins() == before + 1


def test_connection_opens_lazily(sshd: SSHServer) -> None:
    before = sshd.accepted_logins()
    transport = SSHTransport(sshd.node, sshd.options)
    assert transport.connections_opened == 0 and sshd.accepted_logins() == before
    transport.close()


def test_reconnects_once_after_a_drop_between_commands(sshd: SSHServer, ssh: SSHTransport) -> None:
    assert ssh.run(["echo", "first"]).ok
    assert sshd.kill_sessions() >= 1
    # Whether or not paramiko has noticed the death yet, the next command gets a fresh connection.
    assert ssh.run(["echo", "second"]).stdout == "second\n"
    assert ssh.connections_opened == 2


def test_drop_during_a_command_is_retryable_connection_dropped(sshd: SSHServer, ssh: SSHTransport) -> None:
    arg = marker()
    caught: list[BaseException] = []

    def run() -> None:
        try:
            ssh.run(["sleep", arg], timeout=20)
        except BaseException as exc:
            caught.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    assert wait_until(lambda: bool(pids_running(arg))), "remote command never started"
    started = time.monotonic()
    sshd.kill_sessions()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert time.monotonic() - started < 3
    assert len(caught) == 1 and isinstance(caught[0], ConnectionDropped), caught
    error = caught[0]
    assert isinstance(error, RetryableError)
    assert error.node == ssh.node and error.command == f"sleep {arg}"
    assert ssh.node in str(error) and f"`sleep {arg}`" in str(error) and "check its effect" in str(error)
    # And the transport recovers for the next command.
    assert ssh.run(["echo", "again"]).stdout == "again\n"


def test_closed_port_is_a_retryable_connect_error(sshd: SSHServer) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, never listening: connections are refused
        node = NodeAddress(host="127.0.0.1", user=sshd.user, port=port)
        with SSHTransport(node, sshd.options) as transport, pytest.raises(ConnectError) as caught:
            transport.run(["echo", "hi there"])
    error = caught.value
    assert isinstance(error, RetryableError) and not isinstance(error, PermanentError)
    text = str(error)
    assert f"127.0.0.1:{port}" in text and "`echo 'hi there'`" in text and "sshd listens" in text


def test_silent_server_times_out_as_connect_error(sshd: SSHServer) -> None:
    # Listening but never speaking SSH: the handshake must give up after connect_timeout.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        node = NodeAddress(host="127.0.0.1", user=sshd.user, port=silent.getsockname()[1])
        options = replace(sshd.options, connect_timeout=0.5)
        started = time.monotonic()
        with SSHTransport(node, options) as transport, pytest.raises(ConnectError) as caught:
            transport.run(["true"])
        assert time.monotonic() - started < 3
    assert str(node) in str(caught.value)


def test_default_command_timeout_comes_from_options(sshd: SSHServer) -> None:
    from clonepilot.transport import CommandTimeout

    options = replace(sshd.options, command_timeout=0.5)
    with SSHTransport(sshd.node, options) as transport, pytest.raises(CommandTimeout):
        transport.run(["sleep", marker()])


def test_node_user_and_port_override_options(sshd: SSHServer) -> None:
    options = replace(sshd.options, user="nobody-here", port=1)
    transport = SSHTransport(sshd.node, options)
    assert (transport.user, transport.port) == (sshd.user, sshd.port)
    assert transport.run(["id", "-un"]).stdout.strip() == sshd.user
    transport.close()


def test_errors_share_one_base(sshd: SSHServer) -> None:
    assert issubclass(ConnectError, TransportError) and issubclass(ConnectionDropped, TransportError)


def test_unresponsive_connection_is_replaced_before_a_command(sshd: SSHServer, tmp_path) -> None:
    with SSHTransport(sshd.node, replace(sshd.options, connect_timeout=0.5)) as transport:
        assert transport.run(["true"]).ok
        started = time.monotonic()
        with sshd.frozen_sessions() as frozen:
            assert frozen
            # Nothing ran yet on the hung connection, so a fresh one is used after connect_timeout.
            transport.write_file(str(tmp_path / "pairs"), "x")
            assert transport.run(["echo", "fresh"]).stdout == "fresh\n"
        assert time.monotonic() - started < 3
        assert transport.connections_opened == 2
        assert (tmp_path / "pairs").read_text() == "x"


def test_command_on_a_node_that_hangs_times_out(sshd: SSHServer) -> None:
    from clonepilot.transport import CommandTimeout

    arg = marker()
    options = replace(sshd.options, connect_timeout=0.5)
    caught: list[BaseException] = []
    with SSHTransport(sshd.node, options) as transport:

        def run() -> None:
            try:
                transport.run(["sleep", arg], timeout=1)
            except BaseException as exc:
                caught.append(exc)

        thread = threading.Thread(target=run)
        thread.start()
        try:
            assert wait_until(lambda: bool(pids_running(arg)))
            with sshd.frozen_sessions():
                thread.join(timeout=10)
        finally:
            # The hung node could not kill it; this test can (and must not leave it running).
            for pid in pids_running(arg):
                os.kill(pid, signal.SIGKILL)
        assert len(caught) == 1 and isinstance(caught[0], CommandTimeout), caught
        assert transport.run(["echo", "fresh"]).stdout == "fresh\n"
        assert transport.connections_opened == 2
