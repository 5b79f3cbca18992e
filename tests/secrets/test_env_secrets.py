"""SSH secrets from the environment: settings that never show them, SSH over an encrypted key, the CLI.

Everything runs for real: the `sshd` fixture's OpenSSH server, an encrypted ed25519 key authorised
there, and `clonepilot -s SVC status` in a fresh process against symsim over that server.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any

import pytest

from clonepilot.engine.context import ssh_options_from
from clonepilot.settings import load_settings, settings_markdown_table
from clonepilot.transport import SSHTransport
from clonepilot.transport.errors import AuthError
from tests.cli.conftest import PROBE
from tests.flows.conftest import example_service_text, make_flow_env
from tests.plugins.sshd import SSHServer
from tests.secrets.conftest import EncryptedKey, new_passphrase

SECRET_ENV = ("CLONEPILOT_SSH_KEY_PASSPHRASE", "CLONEPILOT_SSH_PASSWORD")


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in [n for n in os.environ if n.startswith("CLONEPILOT_")]:
        monkeypatch.delenv(name)
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)  # only the configured key may log in
    monkeypatch.chdir(tmp_path)  # no stray .env or clonepilot.toml
    monkeypatch.setenv("CLONEPILOT_LOCK_DIR", str(tmp_path / "locks"))
    return tmp_path


def use_key(monkeypatch: pytest.MonkeyPatch, sshd: SSHServer, key: Path, passphrase: str | None) -> None:
    monkeypatch.setenv("CLONEPILOT_SSH_KEY_FILE", str(key))
    monkeypatch.setenv("CLONEPILOT_SSH_KNOWN_HOSTS", str(sshd.known_hosts))
    monkeypatch.setenv("CLONEPILOT_SSH_USER", sshd.user)
    if passphrase is None:
        monkeypatch.delenv("CLONEPILOT_SSH_KEY_PASSPHRASE", raising=False)
    else:
        monkeypatch.setenv("CLONEPILOT_SSH_KEY_PASSPHRASE", passphrase)


def test_settings_read_the_secrets_and_never_show_them(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    passphrase, password = new_passphrase(), new_passphrase()
    monkeypatch.setenv("CLONEPILOT_SSH_KEY_PASSPHRASE", passphrase)
    monkeypatch.setenv("CLONEPILOT_SSH_PASSWORD", password)
    monkeypatch.setenv("CLONEPILOT_SSH_SECRET_BLOCK", "ssh-passphrase")
    settings = load_settings()
    assert settings.ssh_key_passphrase is not None and settings.ssh_password is not None
    assert settings.ssh_key_passphrase.get_secret_value() == passphrase
    assert settings.ssh_password.get_secret_value() == password
    assert (settings.ssh_secret_block, settings.ssh_secret_kind) == ("ssh-passphrase", "passphrase")

    shown = [
        repr(settings),
        str(settings),
        settings.model_dump_json(),
        json.dumps(settings.model_dump(mode="json")),
        repr(settings.model_dump()),
        settings_markdown_table(),
    ]
    for text in shown:
        assert passphrase not in text and password not in text, text
    assert "ssh_key_passphrase" in shown[0] and "**********" in shown[2]

    # Plain text only at the SSH boundary, and SSHOptions hides it again.
    options = ssh_options_from(settings)
    assert (options.passphrase, options.password) == (passphrase, password)
    assert passphrase not in repr(options) and password not in str(options)


def test_settings_table_shows_no_secret_default() -> None:
    rows = {line.split(" | ")[0].strip("| `"): line for line in settings_markdown_table().splitlines()[2:]}
    for name in ("ssh_key_passphrase", "ssh_password", "ssh_secret_block"):
        env, default = rows[name].split(" | ")[1:3]
        assert (env, default) == (f"`CLONEPILOT_{name.upper()}`", "(none)")
    assert rows["ssh_secret_kind"].split(" | ")[2] == "`passphrase`"
    # The README says where each source applies: the read-only CLI never loads the Secret block.
    assert "ignore" in rows["ssh_secret_block"] and "read-only CLI" in rows["ssh_key_passphrase"]


def test_env_passphrase_opens_the_encrypted_key_and_runs_a_command(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, sshd: SSHServer, encrypted_key: EncryptedKey
) -> None:
    use_key(monkeypatch, sshd, encrypted_key.path, encrypted_key.passphrase)
    logins = sshd.log_text().count(encrypted_key.fingerprint)
    transport = SSHTransport(sshd.node, ssh_options_from(load_settings()))
    try:
        result = transport.run(["echo", "through the encrypted key"])
    finally:
        transport.close()
    assert (result.exit_code, result.stdout) == (0, "through the encrypted key\n")
    # sshd logged a login with this very key, not with another one.
    assert sshd.log_text().count(encrypted_key.fingerprint) > logins


def test_without_its_passphrase_the_encrypted_key_is_refused(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, sshd: SSHServer, encrypted_key: EncryptedKey
) -> None:
    use_key(monkeypatch, sshd, encrypted_key.path, None)
    transport = SSHTransport(sshd.node, ssh_options_from(load_settings()))
    with pytest.raises(AuthError, match="is encrypted and no passphrase was given"):
        transport.run(["true"])
    transport.close()


def test_a_wrong_passphrase_is_an_auth_error_that_shows_neither_passphrase(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, sshd: SSHServer, encrypted_key: EncryptedKey
) -> None:
    wrong = new_passphrase()
    use_key(monkeypatch, sshd, encrypted_key.path, wrong)
    transport = SSHTransport(sshd.node, ssh_options_from(load_settings()))
    with pytest.raises(AuthError, match="cannot be decrypted") as caught:
        transport.run(["true"])
    transport.close()
    texts = [str(caught.value), repr(caught.value), "".join(traceback.format_exception(caught.value))]
    for text in texts:
        assert wrong not in text and encrypted_key.passphrase not in text, text


def _status(
    env: dict[str, str], cwd: Path, service: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """`clonepilot -s SERVICE status --json` in a fresh process; its output and whether it loaded prefect."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "-s", service, "status", "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )
    _, _, tail = done.stderr.rpartition("\nPROBE ")
    assert tail, done.stderr
    return done, json.loads(tail)


def test_cli_status_over_ssh_with_the_env_passphrase_never_shows_it(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, sshd: SSHServer, encrypted_key: EncryptedKey
) -> None:
    env = make_flow_env(clean_env / "env", sshd, monkeypatch)
    name = env.write_service(example_service_text(sshd, env.bin_dir), "secret")
    use_key(monkeypatch, sshd, encrypted_key.path, encrypted_key.passphrase)
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    logins = sshd.log_text().count(encrypted_key.fingerprint)

    good, probe = _status(dict(os.environ), clean_env, name)
    assert good.returncode == 0, good.stderr
    assert probe["prefect"] == []  # the read-only path: only the environment's secret applies
    doc = json.loads(good.stdout)
    assert doc["service"] == name and doc["overall"] == "down"
    assert set(doc["resources"]) >= {"sync#1", "sync#2", "app#1"}
    assert sshd.log_text().count(encrypted_key.fingerprint) > logins
    assert encrypted_key.passphrase not in good.stdout + good.stderr

    wrong = new_passphrase()
    monkeypatch.setenv("CLONEPILOT_SSH_KEY_PASSPHRASE", wrong)
    bad, _ = _status(dict(os.environ), clean_env, name)
    output = bad.stdout + bad.stderr
    assert "cannot be decrypted" in output, output
    assert wrong not in output and encrypted_key.passphrase not in output
