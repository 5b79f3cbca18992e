"""Secrets test set-up: an encrypted client key authorised on the `sshd` fixture's server.

The passphrase is random and distinctive (`pp-<hex>-pp`), so finding it in a log, an artifact or
an error can only mean it leaked. The key's public half is appended to the server's
authorized_keys (the fixture's own key stays authorised for the other tests).
"""

from __future__ import annotations

import secrets
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import paramiko
import pytest

from tests.plugins.sshd import SSHServer


@dataclass(frozen=True)
class EncryptedKey:
    path: Path
    passphrase: str
    fingerprint: str  # SHA256:..., as sshd logs it when the key logs in


def new_passphrase() -> str:
    return f"pp-{secrets.token_hex(12)}-pp"


@pytest.fixture(scope="session")
def encrypted_key(sshd: SSHServer, tmp_path_factory: pytest.TempPathFactory) -> EncryptedKey:
    path = tmp_path_factory.mktemp("secrets-key") / "client_encrypted_ed25519"
    passphrase = new_passphrase()
    subprocess.run(
        [
            "ssh-keygen",
            "-q",
            "-t",
            "ed25519",
            "-N",
            passphrase,
            "-C",
            "clonepilot-encrypted",
            "-f",
            str(path),
        ],
        check=True,
        stdin=subprocess.DEVNULL,
        capture_output=True,
    )
    # Really encrypted: unusable without its passphrase (cryptography raises TypeError), usable with it.
    with pytest.raises(TypeError, match="password-protected"):
        paramiko.PKey.from_path(path)
    paramiko.PKey.from_path(path, passphrase.encode())
    pub = path.with_suffix(".pub")
    with (sshd.workdir / "authorized_keys").open("a") as keys:
        keys.write(pub.read_text())
    listing = subprocess.run(["ssh-keygen", "-lf", str(pub)], check=True, capture_output=True, text=True)
    return EncryptedKey(path=path, passphrase=passphrase, fingerprint=listing.stdout.split()[1])


@pytest.fixture(scope="module")
def module_monkeypatch() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as mp:
        yield mp
