"""Host keys are verified against known_hosts; unknown and changed keys are refused."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from clonepilot.errors import PermanentError
from clonepilot.transport import HostKeyError, SSHTransport
from tests.plugins.sshd import SSHServer


def _other_key_line(sshd: SSHServer, tmp_path: Path) -> str:
    key = tmp_path / "other_host_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    kind, b64 = key.with_suffix(".pub").read_text().split()[:2]
    return f"[127.0.0.1]:{sshd.port} {kind} {b64}\n"


def test_unknown_host_key_is_refused_with_what_to_do(sshd: SSHServer, tmp_path: Path) -> None:
    known = tmp_path / "known_hosts"
    known.write_text("")
    before = sshd.accepted_logins()
    options = replace(sshd.options, known_hosts=str(known))
    with SSHTransport(sshd.node, options) as transport, pytest.raises(HostKeyError) as caught:
        transport.run(["echo", "never"])
    error = caught.value
    assert isinstance(error, PermanentError) and not error.changed
    assert error.fingerprint == sshd.host_key_fingerprint
    text = str(error)
    for needed in (
        sshd.node.__str__(),
        sshd.host_key_fingerprint,
        "ssh-keyscan",
        "accept_new_host_keys",
        str(known),
    ):
        assert needed in text
    assert known.read_text() == "", "an unknown key must not be recorded without accept_new_host_keys"
    assert sshd.accepted_logins() == before


def test_changed_host_key_is_refused(sshd: SSHServer, tmp_path: Path) -> None:
    known = tmp_path / "known_hosts"
    known.write_text(_other_key_line(sshd, tmp_path))
    options = replace(sshd.options, known_hosts=str(known))
    with SSHTransport(sshd.node, options) as transport, pytest.raises(HostKeyError) as caught:
        transport.run(["true"])
    error = caught.value
    assert error.changed and error.fingerprint == sshd.host_key_fingerprint
    assert "HOST KEY CHANGED" in str(error) and "ssh-keygen -R" in str(error)
    assert sshd.host_key_fingerprint in str(error)


def test_accept_new_never_accepts_a_changed_key(sshd: SSHServer, tmp_path: Path) -> None:
    known = tmp_path / "known_hosts"
    line = _other_key_line(sshd, tmp_path)
    known.write_text(line)
    options = replace(sshd.options, known_hosts=str(known), accept_new_host_keys=True)
    with SSHTransport(sshd.node, options) as transport, pytest.raises(HostKeyError):
        transport.run(["true"])
    assert known.read_text() == line


def test_server_key_rotation_is_detected(sshd: SSHServer) -> None:
    with sshd.new_host_key() as new_fingerprint:
        with SSHTransport(sshd.node, sshd.options) as transport, pytest.raises(HostKeyError) as caught:
            transport.run(["true"])
        assert caught.value.changed and caught.value.fingerprint == new_fingerprint
    # The helper restored the original key: the fixture's known_hosts works again.
    with SSHTransport(sshd.node, sshd.options) as transport:
        assert transport.run(["true"]).ok


def test_accept_new_records_the_key_then_it_is_trusted(sshd: SSHServer, tmp_path: Path) -> None:
    known = tmp_path / "new" / "dir" / "known_hosts"
    options = replace(sshd.options, known_hosts=str(known), accept_new_host_keys=True)
    with SSHTransport(sshd.node, options) as transport:
        assert transport.run(["echo", "hi"]).stdout == "hi\n"
    assert known.read_text() == sshd.known_hosts_line
    strict = replace(options, accept_new_host_keys=False)
    with SSHTransport(sshd.node, strict) as transport:
        assert transport.run(["echo", "again"]).stdout == "again\n"
    assert known.read_text() == sshd.known_hosts_line, "a known key must not be appended twice"


def test_hashed_known_hosts_entries_are_honoured(sshd: SSHServer, tmp_path: Path) -> None:
    known = tmp_path / "known_hosts"
    known.write_text(sshd.known_hosts_line)
    subprocess.run(["ssh-keygen", "-q", "-H", "-f", str(known)], check=True, capture_output=True)
    assert "127.0.0.1" not in known.read_text()
    with SSHTransport(sshd.node, replace(sshd.options, known_hosts=str(known))) as transport:
        assert transport.run(["true"]).ok
