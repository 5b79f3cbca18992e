"""Settings from defaults, environment, .env and TOML, in that order of increasing precedence."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from clonepilot.settings import Settings, SettingsFileError, load_settings, settings_markdown_table


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in list(os.environ):
        if name.startswith("CLONEPILOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_defaults() -> None:
    settings = load_settings()
    assert settings.services_dir == Path("services")
    assert settings.symcli_bin == Path("/usr/symcli/bin")
    assert settings.ssh_port == 22 and settings.ssh_user is None and settings.ssh_key_file is None
    assert settings.ssh_known_hosts == Path("~/.ssh/known_hosts").expanduser()
    assert settings.ssh_accept_new_host_keys is False
    assert (settings.poll_interval_min, settings.poll_interval_max) == (0.5, 30.0)
    assert settings.copied_max_wait == 300.0  # the seed's "waiting for copied state (max 300 secs)"
    assert settings.precopy_max_wait == 14400.0
    assert (settings.symclone_lock_retry_interval, settings.symclone_lock_retry_count) == (20, 30)


def test_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLONEPILOT_SERVICES_DIR", "/etc/clonepilot/services")
    monkeypatch.setenv("CLONEPILOT_SYMCLI_BIN", "/opt/emc/SYMCLI/bin")
    monkeypatch.setenv("CLONEPILOT_SSH_ACCEPT_NEW_HOST_KEYS", "true")
    monkeypatch.setenv("CLONEPILOT_SSH_PORT", "2222")
    settings = load_settings()
    assert settings.services_dir == Path("/etc/clonepilot/services")
    assert settings.symcli_bin == Path("/opt/emc/SYMCLI/bin")
    assert settings.ssh_accept_new_host_keys is True and settings.ssh_port == 2222


def test_dotenv_file(clean_environment: Path) -> None:
    (clean_environment / ".env").write_text("CLONEPILOT_SSH_USER=clone\nOTHER_TOOL=1\n")
    assert load_settings().ssh_user == "clone"


def test_toml_file_in_current_directory(clean_environment: Path) -> None:
    (clean_environment / "clonepilot.toml").write_text('ssh_user = "tomluser"\ncopied_max_wait = 600\n')
    settings = load_settings()
    assert settings.ssh_user == "tomluser" and settings.copied_max_wait == 600.0


def test_toml_file_named_by_environment(monkeypatch: pytest.MonkeyPatch, clean_environment: Path) -> None:
    path = clean_environment / "conf" / "cp.toml"
    path.parent.mkdir()
    path.write_text("symclone_lock_retry_count = 5\n")
    monkeypatch.setenv("CLONEPILOT_CONFIG_FILE", str(path))
    assert load_settings().symclone_lock_retry_count == 5


def test_precedence(monkeypatch: pytest.MonkeyPatch, clean_environment: Path) -> None:
    (clean_environment / "clonepilot.toml").write_text('ssh_user = "t"\nssh_port = 1\nsymcli_bin = "/toml"\n')
    (clean_environment / ".env").write_text("CLONEPILOT_SSH_USER=d\nCLONEPILOT_SSH_PORT=2\n")
    monkeypatch.setenv("CLONEPILOT_SSH_USER", "e")
    settings = load_settings()
    assert (settings.ssh_user, settings.ssh_port, settings.symcli_bin) == ("e", 2, Path("/toml"))
    assert load_settings(ssh_user="arg").ssh_user == "arg"


def test_unknown_toml_key_is_an_error(clean_environment: Path) -> None:
    (clean_environment / "clonepilot.toml").write_text("ssh_uesr = 'x'\n")
    with pytest.raises(SettingsFileError, match="ssh_uesr"):
        load_settings()


def test_named_toml_file_must_exist(monkeypatch: pytest.MonkeyPatch, clean_environment: Path) -> None:
    monkeypatch.setenv("CLONEPILOT_CONFIG_FILE", str(clean_environment / "absent.toml"))
    with pytest.raises(SettingsFileError, match=r"absent\.toml"):
        load_settings()


def test_bad_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLONEPILOT_SSH_PORT", "70000")
    with pytest.raises(ValidationError):
        load_settings()
    monkeypatch.delenv("CLONEPILOT_SSH_PORT")
    with pytest.raises(ValidationError, match="poll_interval_min"):
        load_settings(poll_interval_min=60)


def test_every_field_is_described_and_in_the_table() -> None:
    table = settings_markdown_table()
    for name, info in Settings.model_fields.items():
        assert info.description, name
        assert f"| `{name}` | `CLONEPILOT_{name.upper()}` |" in table
    assert "| `ssh_port` | `CLONEPILOT_SSH_PORT` | `22` |" in table
