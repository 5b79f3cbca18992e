"""End-to-end set-up: a real Prefect server, the checkout's deployments, real process workers.

One module-scoped `Deployed` per test module (`deploy(...)`): a work pool, `prefect --no-prompt
deploy --all` run from the checkout, one or more workers on that pool whose flow runs reach the
symsim arrays and service host over the `sshd` fixture's real OpenSSH, and helpers that trigger
runs (CLI or plain REST) and time them. `deployed` is the SQLite server with one worker.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.flows.conftest import FLOW_SETTINGS, example_service_text, sync_only_text
from tests.plugins.prefect_server import PrefectServer, Worker
from tests.plugins.sshd import SSHServer
from tests.plugins.symsim import DEFAULT_SID, run_admin

CHECKOUT = Path(__file__).resolve().parents[2]
FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# The worker's runs cap state-changing symcli operations per array at this (the default is 4).
ARRAY_CONCURRENCY = 2
# Demo: data (00100, 00101) and archive logs (00102); ca and cb: one pair each, sync only.
CA_PAIRS, CB_PAIRS = [("00120", "00130")], [("00121", "00131")]
DEMO_PAIRS = [("00100", "00110"), ("00101", "00111"), ("00102", "00112")]
DEVS = "00100-0013F"
# Services of clone pairs only (no host resource), refreshable again and again: role -> (sid, pairs).
SyncServices = Mapping[str, tuple[str, list[tuple[str, str]]]]
SYNC_SERVICES: SyncServices = {"ca": (DEFAULT_SID, CA_PAIRS), "cb": (DEFAULT_SID, CB_PAIRS)}
SUBMITTED_RE = re.compile(r"Worker '(?P<worker>[^']+)' submitting flow run '(?P<run>[0-9a-f-]{36})'")


@dataclass
class Timing:
    """A triggered run: monotonic time before the trigger, to RUNNING and to its final state."""

    run_id: str
    t0: float
    running: float | None = None
    final: float | None = None
    run: dict[str, Any] = field(default_factory=dict)

    @property
    def state(self) -> str:
        return str(self.run["state"]["type"])

    @property
    def message(self) -> str:
        return str(self.run["state"].get("message") or "")


def report(label: str, t: Timing) -> None:
    """One latency line (`pytest -s` shows it): trigger to RUNNING, to the final state."""
    assert t.running is not None and t.final is not None
    print(f"\n[latency] {label}: trigger -> RUNNING {t.running:.2f} s, -> {t.state} {t.final:.2f} s")


def when(run: dict[str, Any], key: str) -> float:
    """A flow run's start_time or end_time as a POSIX timestamp (the server's clock is ours)."""
    return datetime.fromisoformat(str(run[key]).replace("Z", "+00:00")).timestamp()


def overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two flow runs were running at the same time."""
    return when(a, "start_time") < when(b, "end_time") and when(b, "start_time") < when(a, "end_time")


@dataclass
class Deployed:
    server: PrefectServer
    workers: list[Worker]  # all on one work pool
    root: Path
    symsim_home: Path
    bin_dir: Path
    services: dict[str, str]  # role (demo, ca, cb, ...) -> service name
    limits_before_first_run: dict[str, int]  # limit name -> HTTP status of GET before any run
    worker_env: dict[str, str | None] = field(default_factory=dict)  # None: removed

    def terminal_env(self, prefect_home: Path) -> dict[str, str]:
        """An operator's terminal with the worker's settings but its own Prefect (a temporary server)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CLONEPILOT_", "PREFECT_API"))}
        env.update({k: v for k, v in self.worker_env.items() if v is not None})
        env["PREFECT_HOME"] = str(prefect_home)
        return env

    @property
    def worker(self) -> Worker:
        return self.workers[0]

    def worker_logs(self, tail: int = 3000) -> str:
        return "\n".join(f"--- worker {w.name or w.pool}\n{w.log_text()[-tail:]}" for w in self.workers)

    # -- array and host --------------------------------------------------------------------

    def admin(self, *args: str) -> str:
        return run_admin(self.symsim_home, *args).stdout

    def calls(self) -> list[dict[str, Any]]:
        data: list[dict[str, Any]] = json.loads(self.admin("calls", "--json"))
        return data

    def symclone_calls(self, service: str, action: str, since: float) -> list[dict[str, Any]]:
        """symclone calls of `action` on the service's pairs files, started after `since` (wall)."""
        return sorted(
            (
                c
                for c in self.calls()
                if c["tool"] == "symclone"
                and c["start"] >= since
                and action in [str(a).lower() for a in c["argv"]]
                and any(f"/{service}." in str(a) for a in c["argv"])
            ),
            key=lambda c: c["start"],
        )

    def host(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin_dir / "symsim-host"), *args], capture_output=True, text=True, timeout=60
        )

    # -- Prefect ---------------------------------------------------------------------------

    def deployment_id(self, name: str) -> str:
        return str(self.server.api("GET", f"/deployments/name/{name}")["id"])

    def trigger_rest(
        self, deployment: str, parameters: dict[str, Any], job_variables: dict[str, Any] | None = None
    ) -> Timing:
        """POST /api/deployments/{id}/create_flow_run, as any HTTP client would."""
        dep_id = self.deployment_id(deployment)
        body: dict[str, Any] = {"parameters": parameters}
        if job_variables:
            body["job_variables"] = job_variables
        t0 = time.monotonic()
        run = self.server.api("POST", f"/deployments/{dep_id}/create_flow_run", body)
        return Timing(run_id=str(run["id"]), t0=t0)

    def trigger_cli(self, deployment: str, **params: str) -> Timing:
        """`prefect deployment run DEPLOYMENT --param k=v ...`; the run id is the UUID it prints."""
        args = ["deployment", "run", deployment]
        for key, value in params.items():
            args += ["--param", f"{key}={value}"]
        t0 = time.monotonic()
        done = self.server.cli(*args, cwd=self.root)
        found = re.search(r"UUID.*?(" + UUID_RE.pattern + ")", done.stdout, re.S)
        assert found, done.stdout
        return Timing(run_id=found.group(1), t0=t0)

    def flow_run(self, run_id: str) -> dict[str, Any]:
        run: dict[str, Any] = self.server.api("GET", f"/flow_runs/{run_id}")
        return run

    def wait(self, *timings: Timing, timeout: float = 120.0) -> None:
        """Poll every run's state over REST every 50 ms until all are final; record the latencies."""
        deadline = time.monotonic() + timeout
        pending = list(timings)
        while pending:
            for t in list(pending):
                run = self.flow_run(t.run_id)
                now = time.monotonic()
                kind = run["state"]["type"]
                if t.running is None and (kind == "RUNNING" or kind in FINAL):
                    t.running = now - t.t0
                if kind in FINAL:
                    t.final, t.run = now - t.t0, run
                    pending.remove(t)
            if pending and time.monotonic() > deadline:
                states = {t.run_id: self.flow_run(t.run_id)["state"] for t in pending}
                raise AssertionError(f"runs not final after {timeout} s: {states}\n{self.worker_logs(4000)}")
            time.sleep(0.05)  # polling the server, as a client of the API would

    def logs(self, run_id: str) -> list[str]:
        body = {"logs": {"flow_run_id": {"any_": [run_id]}}, "limit": 200, "sort": "TIMESTAMP_ASC"}
        return [str(entry["message"]) for entry in self.server.api("POST", "/logs/filter", body)]

    def wait_for_log(self, t: Timing, text: str, timeout: float = 120.0) -> None:
        """Until a log line of the run holds `text` (the server has it in the run's next log batch)."""
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.logs(t.run_id)):
            assert time.monotonic() < deadline, explain(self, t)
            time.sleep(0.2)  # polling the server for the run's log

    def ran_on(self, run_id: str, timeout: float = 60.0) -> str:
        """The name of the worker that took the run: its "Worker '...' submitting flow run" log line.

        The worker sends that line to the server in its next log batch: poll until it arrives.
        """
        deadline = time.monotonic() + timeout
        while True:
            for line in self.logs(run_id):
                found = SUBMITTED_RE.search(line)
                if found and found.group("run") == run_id:
                    return found.group("worker")
            assert time.monotonic() < deadline, f"no worker named in the logs of {run_id}"
            time.sleep(0.2)  # polling the server for a log batch

    def artifacts(self, run_id: str) -> list[dict[str, Any]]:
        body = {"artifacts": {"flow_run_id": {"any_": [run_id]}}}
        found: list[dict[str, Any]] = self.server.api("POST", "/artifacts/filter", body)
        return found

    def limit(self, name: str) -> dict[str, Any]:
        found: dict[str, Any] = self.server.api("GET", f"/v2/concurrency_limits/{name}")
        return found


def explain(env: Deployed, *timings: Timing) -> str:
    """The runs' states and last log lines, and the workers' logs: an assertion's message."""
    parts = []
    for t in timings:
        parts.append(f"--- {t.run_id} {t.run.get('state')}\n" + "\n".join(env.logs(t.run_id)[-30:]))
    return "\n".join(parts) + "\n" + env.worker_logs()


def assert_one_ran_one_refused(
    env: Deployed, service: str, first: Timing, second: Timing, since: float
) -> Timing:
    """Two refreshes of one service at once: one completed, the other refused having changed nothing.

    Returns the one that ran. The refusal names the running run, by name and flow run id.
    """
    assert sorted([first.state, second.state]) == ["COMPLETED", "FAILED"], explain(env, first, second)
    winner, loser = (first, second) if first.state == "COMPLETED" else (second, first)
    assert f"refresh of {service} refused" in loser.message, loser.message
    assert f"'refresh {service}' (flow run {winner.run_id}" in loser.message, loser.message
    assert "service_concurrency = refuse" in loser.message
    # One recreate and one activate of the service's pairs: the winner's.
    assert len(env.symclone_calls(service, "recreate", since)) == 1
    assert len(env.symclone_calls(service, "activate", since)) == 1
    return winner


def _establish(
    home: Path, bin_dir: Path, root: Path, pairs: list[tuple[str, str]], sid: str = DEFAULT_SID
) -> None:
    """Clone sessions created and activated with symsim's own symclone, then Copied: a refresh's start."""
    path = root / f"setup-{sid}.pairs"
    path.write_text("".join(f"{s} {t}\n" for s, t in pairs))
    symclone = str(bin_dir / "symclone")
    for action in (["create", "-diff", "-precopy"], ["activate", "-consistent"]):
        done = subprocess.run(
            [symclone, "-sid", sid, "-f", str(path), "-noprompt", *action],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
    deadline = time.monotonic() + 30
    while True:
        state = json.loads(run_admin(home, "state", "--json").stdout)
        states = {
            (p["src"], p["tgt"]): p["state"] for a in state["arrays"] if a["sid"] == sid for p in a["pairs"]
        }
        if all(states.get(pair) == "Copied" for pair in pairs):
            return
        assert time.monotonic() < deadline, states
        time.sleep(0.05)  # set-up polling the simulator


def _worker_env(root: Path, bin_dir: Path, services: Path, sshd: SSHServer) -> dict[str, str]:
    empty_toml = root / "clonepilot.toml"
    empty_toml.write_text("")
    env = {
        "CLONEPILOT_CHECKOUT": str(CHECKOUT),
        # The runs' working directory is the checkout: never read a clonepilot.toml lying there.
        "CLONEPILOT_CONFIG_FILE": str(empty_toml),
        "CLONEPILOT_SERVICES_DIR": str(services),
        "CLONEPILOT_SYMCLI_BIN": str(bin_dir),
        "CLONEPILOT_SSH_KEY_FILE": str(sshd.client_key),
        "CLONEPILOT_SSH_KNOWN_HOSTS": str(sshd.known_hosts),
        "CLONEPILOT_SSH_USER": sshd.user,
        "CLONEPILOT_STATE_DIR": str(root / "state"),
        "CLONEPILOT_LOCK_DIR": str(root / "locks"),
        "CLONEPILOT_ARRAY_CONCURRENCY": str(ARRAY_CONCURRENCY),
    }
    env.update({f"CLONEPILOT_{k}": v for k, v in FLOW_SETTINGS.items()})
    return env


@contextlib.contextmanager
def deploy(
    server: PrefectServer,
    sshd: SSHServer,
    root: Path,
    *,
    workers: int = 1,
    worker_limit: int | None = None,
    syncs: SyncServices = SYNC_SERVICES,
) -> Iterator[Deployed]:
    """Arrays, services, the checkout's deployments on a new pool of `server`, and `workers` workers.

    The arrays are those `syncs` name and DEFAULT_SID (the demo service's); `worker_limit` caps each
    worker's concurrent runs (`--limit`), so that runs triggered together spread over the workers.
    Workers are named `<pool>-<n>` when there are several. All stop when the block ends.
    """
    home, bin_dir, services = root / "symsim", root / "bin", root / "services"
    home.mkdir()
    services.mkdir()
    arrays = sorted({DEFAULT_SID, *(sid for sid, _ in syncs.values())})
    for sid in arrays:
        run_admin(home, "init", sid, "--devs", DEVS, "--size-gb", "1")
    run_admin(home, "speed", "--tracks-per-sec", str(8192 * 1000), "--op-time", "0.05")
    run_admin(home, "bin", str(bin_dir))
    run_admin(home, "vg", "vgdata", "--sid", DEFAULT_SID, "--devs", "00110,00111")
    run_admin(home, "vg", "vgarch", "--sid", DEFAULT_SID, "--devs", "00112")
    for sid in arrays:
        pairs = [pair for s, ps in syncs.values() if s == sid for pair in ps]
        _establish(home, bin_dir, root, (DEMO_PAIRS if sid == DEFAULT_SID else []) + pairs, sid)
    # About a second per copy and 0.2 s per control action, as the other flow tests.
    run_admin(home, "speed", "--tracks-per-sec", "8192", "--op-time", "0.2")

    tag = uuid.uuid4().hex[:8]
    names = {"demo": f"demo{tag}", **{role: f"{role}{tag}" for role in syncs}}
    (services / f"{names['demo']}.conf").write_text(example_service_text(sshd, bin_dir))
    for role, (sid, pairs) in syncs.items():
        text = sync_only_text(sshd, [(sid, " ".join(f"{s}:{t}" for s, t in pairs))])
        (services / f"{names[role]}.conf").write_text(text)

    pool = f"e2e-{tag}"
    server.cli("work-pool", "create", pool, "--type", "process")
    server.cli("--no-prompt", "deploy", "--all", cwd=CHECKOUT, env={"CLONEPILOT_WORK_POOL": pool})
    probe = [f"clonepilot-array-{DEFAULT_SID}", f"clonepilot-service-{names[next(iter(syncs))]}"]
    before = {}
    for name in probe:
        try:
            server.api("GET", f"/v2/concurrency_limits/{name}")
            before[name] = 200
        except Exception as exc:  # urllib's HTTPError: 404 expected
            before[name] = getattr(exc, "code", -1)

    # The test process's own CLONEPILOT_* variables must not reach the worker's runs.
    worker_env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("CLONEPILOT_")}
    worker_env.update(_worker_env(root, bin_dir, services, sshd))
    with contextlib.ExitStack() as stack:
        started = [
            stack.enter_context(
                server.start_worker(
                    pool,
                    worker_env,
                    log_dir=root,
                    name=f"{pool}-{n}" if workers > 1 else None,
                    limit=worker_limit,
                )
            )
            for n in range(1, workers + 1)
        ]
        yield Deployed(server, started, root, home, bin_dir, names, before, worker_env)


@pytest.fixture(scope="module")
def deployed(
    prefect_server: PrefectServer, sshd: SSHServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployed]:
    with deploy(prefect_server, sshd, tmp_path_factory.mktemp("e2e")) as env:
        yield env
