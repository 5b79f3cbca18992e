"""Flow test set-up: the actions' Prefect flows called in-process inside the Prefect test harness.

Every flow runs for real: services written to a temporary directory, SYMCLI and the service host
answered by symsim, commands sent over a real OpenSSH connection (the `sshd` fixture's node, which
is both the service node and the symcli node), task runs and artifacts recorded by the harness's
server. Settings reach the flows the way an operator gives them: CLONEPILOT_* environment variables.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.plugins.sshd import SSHServer
from tests.plugins.symsim import DEFAULT_SID, run_admin
from tests.service_texts import host_sections

DATA_SYNC = f"type = symclone\nsymid = {DEFAULT_SID}\npairs = 00100:00110 00101:00111\nconsistent = true\n"
ARCH_SYNC = f"type = symclone\nsymid = {DEFAULT_SID}\npairs = 00102:00112\n"
# Action words of symclone calls that change a pair's state (everything else reads).
STATE_CHANGING = {"create", "recreate", "activate", "terminate", "restore", "split"}


def unique_name(prefix: str) -> str:
    """A service name no concurrent run shares: pairs files live in /var/tmp/clonepilot-<user>/<svc>.*."""
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def node_line(sshd: SSHServer) -> str:
    """The sshd fixture's node as a service file names it: `user@127.0.0.1:PORT`."""
    return f"{sshd.user}@{sshd.host}:{sshd.port}"


def example_service_text(sshd: SSHServer, bin_dir: Path, *, swap: bool = False) -> str:
    """The seed's example shape: data (sync#1) then archive logs (sync#2), ip, 2 vgs, 2 fs, the db.

    swap=True puts the archive logs in sync#1 and the data in sync#2 (activated in that order).
    """
    first, second = (ARCH_SYNC, DATA_SYNC) if swap else (DATA_SYNC, ARCH_SYNC)
    node = node_line(sshd)
    return (
        f"[DEFAULT]\nnodes = {node}\nsymcli_node = {node}\nhost_profile = sim\n\n"
        f"[sync#1]\n{first}precopy = true\n\n[sync#2]\n{second}\n" + host_sections(bin_dir)
    )


def sync_only_text(sshd: SSHServer, syncs: list[tuple[str, str]]) -> str:
    """A service of symclone resources only (no host resource): [(symid, "src:tgt src:tgt"), ...]."""
    node = node_line(sshd)
    text = f"[DEFAULT]\nnodes = {node}\nsymcli_node = {node}\nhost_profile = sim\n"
    for number, (sid, pairs) in enumerate(syncs, start=1):
        text += f"\n[sync#{number}]\ntype = symclone\nsymid = {sid}\npairs = {pairs}\nprecopy = true\n"
    return text


@dataclass
class FlowEnv:
    """One simulated array + service host, a services directory, and the settings pointing at them."""

    home: Path
    bin_dir: Path
    services_dir: Path
    sshd: SSHServer

    def admin(self, *args: str) -> str:
        return run_admin(self.home, *args).stdout

    def write_service(self, text: str, prefix: str = "svc") -> str:
        name = unique_name(prefix)
        (self.services_dir / f"{name}.conf").write_text(text)
        return name

    def calls(self, tools: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = json.loads(self.admin("calls", "--json"))
        return [r for r in records if not tools or r["tool"] in tools]

    def clear_calls(self) -> None:
        self.admin("calls", "--clear")

    def state(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.admin("state", "--json"))
        return data

    def host(self, *args: str) -> int:
        """Run `symsim-host ARGS` as an operator on the host would; its exit code."""
        return subprocess.run(
            [str(self.bin_dir / "symsim-host"), *args], capture_output=True, text=True, timeout=60
        ).returncode


def state_changing(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        c
        for c in calls
        if c["tool"] in ("symclone", "symdev") and STATE_CHANGING & {str(a).lower() for a in c["argv"][1:]}
    ]


# Settings for flow runs: short polls (the array answers in a fraction of a second), a lock retry
# that gives up quickly, checkpoints in the test's directory.
FLOW_SETTINGS = {
    "POLL_INTERVAL_MIN": "0.1",
    "POLL_INTERVAL_MAX": "0.5",
    "PRECOPY_MAX_WAIT": "60",
    "COPIED_MAX_WAIT": "60",
    "SYMCLONE_LOCK_RETRY_INTERVAL": "1",
    "SYMCLONE_LOCK_RETRY_COUNT": "5",
    "COMMAND_TIMEOUT": "60",
    "SSH_CONNECT_TIMEOUT": "10",
}


def use_flow_settings(
    mp: pytest.MonkeyPatch,
    root: Path,
    home: Path,
    bin_dir: Path,
    services: Path,
    sshd: SSHServer,
    settings: dict[str, str],
) -> None:
    """Only these CLONEPILOT_* settings for the test's flow runs: its simulator, services, sshd, and
    its state and lock directories under root (plus `settings`, names without the prefix)."""
    mp.setenv("SYMSIM_HOME", str(home))
    for name in [n for n in os.environ if n.startswith("CLONEPILOT_")]:
        mp.delenv(name)
    mp.chdir(root)  # no stray .env or clonepilot.toml
    mp.setenv("CLONEPILOT_SERVICES_DIR", str(services))
    mp.setenv("CLONEPILOT_SYMCLI_BIN", str(bin_dir))
    mp.setenv("CLONEPILOT_SSH_KNOWN_HOSTS", str(sshd.known_hosts))
    mp.setenv("CLONEPILOT_SSH_KEY_FILE", str(sshd.client_key))
    mp.setenv("CLONEPILOT_SSH_USER", sshd.user)
    mp.setenv("CLONEPILOT_STATE_DIR", str(root / "state"))
    mp.setenv("CLONEPILOT_LOCK_DIR", str(root / "locks"))
    for key, value in settings.items():
        mp.setenv(f"CLONEPILOT_{key}", value)


def make_flow_env(root: Path, sshd: SSHServer, mp: pytest.MonkeyPatch) -> FlowEnv:
    """A fresh array (000197900123, devices 00100-0013F of 1 GB, ~1 s per copy) and the settings."""
    home, bin_dir, services = root / "symsim", root / "bin", root / "services"
    home.mkdir(parents=True)
    services.mkdir()
    run_admin(home, "init", DEFAULT_SID, "--devs", "00100-0013F", "--size-gb", "1")
    run_admin(home, "speed", "--tracks-per-sec", "8192", "--op-time", "0.2")
    run_admin(home, "bin", str(bin_dir))
    use_flow_settings(mp, root, home, bin_dir, services, sshd, FLOW_SETTINGS)
    return FlowEnv(home=home, bin_dir=bin_dir, services_dir=services, sshd=sshd)


@pytest.fixture
def flow_env(
    prefect_harness: None, sshd: SSHServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> FlowEnv:
    return make_flow_env(tmp_path / "env", sshd, monkeypatch)


@dataclass
class FlowRun:
    """A flow's final state, its result (the report dict) or exception, and its wall time."""

    state: Any
    result: Any
    wall: float

    @property
    def flow_run_id(self) -> Any:
        return self.state.state_details.flow_run_id

    @property
    def ok(self) -> bool:
        return bool(self.state.is_completed())


def run_flow(action: str, service: str, **parameters: Any) -> FlowRun:
    """Call the action's flow in-process and return its state without raising."""
    from flows.actions import FLOWS

    started = time.monotonic()
    state = FLOWS[action](service, **parameters, return_state=True)
    wall = time.monotonic() - started
    return FlowRun(state=state, result=state.result(raise_on_failure=False), wall=wall)


@pytest.fixture(scope="module")
def module_monkeypatch() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as mp:
        yield mp
