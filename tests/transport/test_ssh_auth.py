"""Authentication failures are permanent AuthErrors; secrets never show in text or reprs."""

from __future__ import annotations

import subprocess
import traceback
from dataclasses import replace
from pathlib import Path

import pytest

from clonepilot.errors import PermanentError
from clonepilot.transport import AuthError, SSHOptions, SSHTransport, TransportError
from tests.plugins.sshd import SSHServer

PASSWORD = "hunter2-pw-SECRET"
PASSPHRASE = "correct-horse-PASSPHRASE"


def _key(tmp_path: Path, passphrase: str = "") -> Path:
    path = tmp_path / f"key{len(passphrase)}"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-f", str(path)], check=True)
    return path


def _all_text(error: BaseException) -> str:
    return "".join(traceback.format_exception(error)) + repr(error) + str(error)


def test_unauthorised_key_is_refused(sshd: SSHServer, tmp_path: Path) -> None:
    options = replace(sshd.options, key_filename=str(_key(tmp_path)))
    with SSHTransport(sshd.node, options) as transport, pytest.raises(AuthError) as caught:
        transport.run(["echo", "no"])
    assert isinstance(caught.value, PermanentError)
    text = str(caught.value)
    assert str(sshd.node) in text and "`echo no`" in text and "authorized_keys" in text


def test_password_refused_and_never_shown(sshd: SSHServer) -> None:
    # The test server allows no password logins, so this is a refusal with a secret in play.
    options = replace(sshd.options, key_filename=None, password=PASSWORD)
    with SSHTransport(sshd.node, options) as transport, pytest.raises(AuthError) as caught:
        transport.run(["true"])
    assert PASSWORD not in _all_text(caught.value)
    assert PASSWORD not in repr(options) and PASSWORD not in str(options)
    assert PASSWORD not in repr(transport)


def test_encrypted_key_without_passphrase(sshd: SSHServer, tmp_path: Path) -> None:
    options = replace(sshd.options, key_filename=str(_key(tmp_path, PASSPHRASE)))
    with SSHTransport(sshd.node, options) as transport, pytest.raises(AuthError, match="passphrase"):
        transport.run(["true"])


def test_wrong_passphrase_never_shown(sshd: SSHServer, tmp_path: Path) -> None:
    wrong = "wrong-PASSPHRASE-xyz"
    options = replace(sshd.options, key_filename=str(_key(tmp_path, PASSPHRASE)), passphrase=wrong)
    with SSHTransport(sshd.node, options) as transport, pytest.raises(AuthError) as caught:
        transport.run(["true"])
    assert "cannot be decrypted" in str(caught.value)
    assert wrong not in _all_text(caught.value)


def test_right_passphrase_decrypts_then_server_decides(sshd: SSHServer, tmp_path: Path) -> None:
    # Decrypting works (the error is the server's refusal, not the key file's).
    options = replace(sshd.options, key_filename=str(_key(tmp_path, PASSPHRASE)), passphrase=PASSPHRASE)
    with SSHTransport(sshd.node, options) as transport, pytest.raises(AuthError) as caught:
        transport.run(["true"])
    assert "was refused" in str(caught.value)
    assert PASSPHRASE not in _all_text(caught.value)


def test_missing_key_file(sshd: SSHServer, tmp_path: Path) -> None:
    options = replace(sshd.options, key_filename=str(tmp_path / "nope"))
    with SSHTransport(sshd.node, options) as transport, pytest.raises(AuthError, match="cannot be read"):
        transport.run(["true"])


def test_options_repr_hides_secrets_but_shows_the_rest() -> None:
    options = SSHOptions(user="oracle", password=PASSWORD, passphrase=PASSPHRASE, key_filename="/k")
    for text in (repr(options), str(options), f"{options}", f"{options!r}"):
        assert PASSWORD not in text and PASSPHRASE not in text
        assert "password='***'" in text and "user='oracle'" in text and "key_filename='/k'" in text
    assert "password=None" in repr(SSHOptions())


def test_transport_errors_carry_node_and_command(sshd: SSHServer, tmp_path: Path) -> None:
    options = replace(sshd.options, key_filename=str(_key(tmp_path)))
    with SSHTransport(sshd.node, options) as transport, pytest.raises(TransportError) as caught:
        transport.run(["ls", "-l"])
    assert caught.value.node == str(sshd.node) and caught.value.command == "ls -l"


def test_passphrase_for_an_unencrypted_key_is_ignored(sshd: SSHServer) -> None:
    with SSHTransport(sshd.node, replace(sshd.options, passphrase="unneeded")) as transport:
        assert transport.run(["true"]).ok
