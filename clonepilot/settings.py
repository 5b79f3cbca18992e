"""Process-wide settings: environment (CLONEPILOT_*), a .env file, then an optional TOML file.

Precedence, highest first: explicit arguments, environment variables, `.env` in the current
directory, the TOML file named by CLONEPILOT_CONFIG_FILE (else ./clonepilot.toml if it exists),
the defaults below. TOML keys are the field names (`services_dir = "/etc/clonepilot/services"`).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from clonepilot.errors import PermanentError

ENV_PREFIX = "CLONEPILOT_"
CONFIG_FILE_ENV = f"{ENV_PREFIX}CONFIG_FILE"
DEFAULT_CONFIG_FILE = Path("clonepilot.toml")


class SettingsFileError(PermanentError):
    """The TOML settings file is missing (when named explicitly), unreadable or has unknown keys."""


class Settings(BaseSettings):
    """Where services and symcli live, how to reach nodes, and how long to wait for the array."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        # .env may hold other tools' variables (and CLONEPILOT_CONFIG_FILE, read before the model).
        extra="ignore",
        frozen=True,
    )

    services_dir: Path = Field(Path("services"), description="Directory holding the `<service>.conf` files.")
    symcli_bin: Path = Field(
        Path("/usr/symcli/bin"),
        description="Directory of the SYMCLI commands (symclone, symdev...) on nodes.",
    )
    pairs_dir: str = Field(
        "/var/tmp/clonepilot-{user}",
        pattern=r"^/\S*$",
        description=(
            "Directory on the symcli node for the symclone pairs files (`-f FILE`, which name the devices"
            " symclone acts on); `{user}` is the user clonepilot logs in as there. Created mode 0700; an"
            " existing one must be a directory (not a symlink) owned by that user, else the run stops"
            " before writing a pairs file; group and other access to it is removed, with a warning."
        ),
    )
    ssh_user: str | None = Field(
        None, description="SSH user for nodes written without `user@`; default: the current user."
    )
    ssh_port: int = Field(22, ge=1, le=65535, description="SSH port for nodes written without `:port`.")
    ssh_key_file: Path | None = Field(
        None, description="Private key file for SSH; default: the SSH agent and the usual ~/.ssh keys."
    )
    ssh_key_passphrase: SecretStr | None = Field(
        None,
        description=(
            "Passphrase of an encrypted `ssh_key_file`; secret, never shown. The read-only CLI commands"
            " (`status`, `--dry-run`) use only this value and `ssh_password`, never `ssh_secret_block`."
        ),
    )
    ssh_password: SecretStr | None = Field(
        None,
        description=(
            "Password for SSH logins, when nodes accept it; secret, never shown. Like `ssh_key_passphrase`,"
            " the only source of a password for the read-only CLI commands."
        ),
    )
    ssh_secret_block: str | None = Field(
        None,
        description=(
            "Name of a Prefect Secret block holding the SSH key passphrase or password (see"
            " `ssh_secret_kind`); flow runs load it and it wins over the environment's value. The"
            " read-only CLI commands never start Prefect, so they ignore it."
        ),
    )
    ssh_secret_kind: Literal["passphrase", "password"] = Field(
        "passphrase",
        description="What `ssh_secret_block` holds: `passphrase` (of `ssh_key_file`) or `password`.",
    )
    ssh_known_hosts: Path = Field(
        Path("~/.ssh/known_hosts"), description="known_hosts file used to verify node host keys."
    )
    ssh_accept_new_host_keys: bool = Field(
        False,
        description="Accept and record the host key of a node not yet in known_hosts (never a changed one).",
    )
    ssh_connect_timeout: float = Field(10.0, gt=0, description="Seconds allowed to open an SSH connection.")
    command_timeout: float = Field(
        600.0, gt=0, description="Seconds allowed for one remote or local command before it is abandoned."
    )
    ssh_keepalive_interval: float = Field(
        15.0, ge=0, description="Seconds between SSH keepalives on an idle connection (0 disables them)."
    )
    poll_interval_min: float = Field(
        0.5, gt=0, description="First delay, in seconds, between two polls of a clone state."
    )
    poll_interval_max: float = Field(
        30.0, gt=0, description="Longest delay, in seconds, between two polls (the delay grows up to it)."
    )
    precopy_max_wait: float = Field(
        14400.0,
        gt=0,
        description=(
            "Seconds to wait after a recreate until the clones can be activated (a precopy at 100%);"
            " a full first copy of large devices takes hours, a differential one minutes."
        ),
    )
    precopy_activate_percent: float = Field(
        100.0,
        ge=0,
        le=100,
        description=(
            "How far a PreCopy pair's copy must be before a refresh or start activates it: 100 waits for"
            " the whole first copy cycle (the activate then has little left to copy); lower it when"
            " heavy writes on the source keep a precopy below 100% (0 activates at once, as OpenSVC"
            " does). The wait for Copied after the activate is unchanged."
        ),
    )
    copied_max_wait: float = Field(
        300.0, gt=0, description="Seconds to wait for the Copied state after activate (the seed's 300 s)."
    )
    symclone_lock_retry_interval: int = Field(
        20, ge=1, description="symclone -i: seconds between retries when the devices are locked."
    )
    symclone_lock_retry_count: int = Field(
        30, ge=0, description="symclone -c: number of retries when the devices are locked."
    )
    transient_retries: int = Field(
        3,
        ge=0,
        description=(
            "Extra attempts of a step after a transient error (SSH drop, lock held, array busy), with"
            " backoff; a resource's `restart` adds to them. Permanent errors are never retried."
        ),
    )
    retry_backoff_first: float = Field(
        1.0,
        gt=0,
        description="Seconds before the first retry of a step; each further retry waits twice as long.",
    )
    retry_backoff_max: float = Field(
        8.0, gt=0, description="The longest wait between two attempts of a step, in seconds."
    )
    depends_wait: float = Field(
        30.0,
        ge=0,
        description=(
            "Seconds a step waits for its resource's `<action>_depends` conditions to hold (polling"
            " between poll_interval_min and poll_interval_max) before it fails naming the unmet ones."
        ),
    )
    state_dir: Path = Field(
        Path("~/.clonepilot/state"),
        description="Directory on the controller for checkpoints that let a rerun resume an interrupted run.",
    )
    checkpoint_store: Literal["file", "prefect"] = Field(
        "file",
        description=(
            "Where a refresh run as a Prefect flow keeps its checkpoint: `file` (in `state_dir`, on the"
            " machine that runs it) or `prefect` (a Prefect variable `clonepilot-checkpoint-...` on the"
            " server, so that a rerun on another worker resumes too)."
        ),
    )
    resume_window: float = Field(
        3600.0,
        ge=0,
        description=(
            "Seconds during which a rerun of an interrupted action resumes it (skipping its completed"
            " stages); older checkpoints are ignored and the action starts over."
        ),
    )

    service_concurrency: Literal["refuse", "wait"] = Field(
        "refuse",
        description=(
            "What a state-changing action does while another one runs on the same service (Prefect"
            " global concurrency limit `clonepilot-service-<service>`, limit 1): `refuse` fails at once"
            " naming the running one, `wait` queues until it ends. Dry runs take no limit."
        ),
    )
    array_concurrency: int = Field(
        4,
        ge=1,
        description=(
            "How many runs may change clone sets on one array at once, across all services (symclone"
            " create, recreate, activate, terminate, and the copies they start): each holds a slot of the"
            " Prefect global concurrency limit `clonepilot-array-<sid>` for its whole length. A run"
            " creates the limit with this value when missing; an existing one keeps its server value."
        ),
    )
    lock_dir: str = Field(
        "/var/tmp/clonepilot-locks",
        description=(
            "Directory on each service's symcli node holding the run locks (one state-changing run per"
            " service and per target device, whatever starts it: a terminal, a worker, another"
            " controller). Created mode 0700; an existing one must be a directory owned by the user"
            " clonepilot logs in as there, so every controller must log in as that same user."
        ),
    )
    lock_lease: float = Field(
        60.0,
        ge=10,
        description=(
            "Seconds a run lock stays valid without renewal (a run renews it every quarter of this): a"
            " run killed on another controller is taken over this long after its last renewal; on this"
            " controller as soon as its process is gone."
        ),
    )
    approval_timeout: int = Field(
        3600,
        ge=1,
        description=(
            "Seconds a run that needs approval (service keyword `approval`, or the run's `approval`"
            " parameter) stays paused in the Prefect UI waiting for a person; then it fails, having"
            " changed nothing."
        ),
    )

    @field_validator(
        "services_dir", "symcli_bin", "ssh_key_file", "ssh_known_hosts", "state_dir", mode="after"
    )
    @classmethod
    def _expand_home(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None

    @model_validator(mode="after")
    def _poll_bounds(self) -> Settings:
        if self.poll_interval_min > self.poll_interval_max:
            low, high = self.poll_interval_min, self.poll_interval_max
            raise ValueError(f"poll_interval_min ({low}) exceeds poll_interval_max ({high})")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_values = _read_toml(settings_cls)
        return init_settings, env_settings, dotenv_settings, InitSettingsSource(settings_cls, toml_values)


def _read_toml(settings_cls: type[BaseSettings]) -> dict[str, Any]:
    named = os.environ.get(CONFIG_FILE_ENV)
    path = Path(named).expanduser() if named else DEFAULT_CONFIG_FILE
    if not path.is_file():
        if named:
            raise SettingsFileError(f"{CONFIG_FILE_ENV}={named}: no such file")
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SettingsFileError(f"{path}: cannot read settings: {exc}") from exc
    # Unknown keys in a file the admin wrote for us are typos, unlike stray variables in a .env.
    unknown = sorted(set(data) - set(settings_cls.model_fields))
    if unknown:
        raise SettingsFileError(f"{path}: unknown settings {', '.join(unknown)}")
    return data


def load_settings(**overrides: Any) -> Settings:
    """Settings from all sources; keyword arguments win over everything else."""
    return Settings(**overrides)


def settings_markdown_table() -> str:
    """The settings as a markdown table (name, environment variable, default, description)."""
    lines = ["| Setting | Environment variable | Default | Description |", "|---|---|---|---|"]
    for name, info in Settings.model_fields.items():
        default = "(none)" if info.default is None else f"`{info.default}`"
        description = (info.description or "").replace("|", "\\|")
        lines.append(f"| `{name}` | `{ENV_PREFIX}{name.upper()}` | {default} | {description} |")
    return "\n".join(lines) + "\n"
