"""A real Prefect server (`prefect server start`) on 127.0.0.1, and process workers for it.

`prefect_server` is session-scoped and not autouse: one server per test session, with its own
PREFECT_HOME (SQLite) in a temporary directory, started only when a test asks for it (~9 s cold).
A `PrefectServer` given a `database_url` keeps its data in that database instead (PostgreSQL: the
`prefect_server_postgres` fixture of tests/plugins/postgres.py).
`PrefectServer.start_worker(...)` starts a `prefect worker start --type process` polling every
second, optionally named and with a cap on its concurrent runs; the caller stops it
(`Worker.stop()`, also a context manager). Every process started here is
stopped at teardown, even when a test fails: SIGTERM, then a second SIGTERM (a Prefect 3.9 worker
ignores the first), then SIGKILL.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

HOST = "127.0.0.1"
START_TIMEOUT = 90.0  # cold start with migrations is ~9 s on 2 idle cores; allow a busy machine
STOP_TIMEOUT = 10.0
SERVICE_UNAVAILABLE_RETRIES = 5
PREFECT = str(Path(sys.executable).parent / "prefect")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def stop_process(proc: subprocess.Popen[bytes], *, terms: int = 2, timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM (up to `terms` times, `timeout` apart), then SIGKILL; always reaps the process group."""
    for _ in range(terms):
        if proc.poll() is not None:
            break
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=timeout)
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    # Flow-run subprocesses a worker started live in its process group: leave none behind.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


@dataclass
class Worker:
    pool: str
    process: subprocess.Popen[bytes]
    log_path: Path
    name: str | None = None  # `--name`; None: Prefect's default (ProcessWorker <uuid>)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        # The first SIGTERM only asks a 3.9 worker to stop polling; the second one ends it.
        stop_process(self.process, terms=2, timeout=3.0)

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class PrefectServer:
    home: Path
    port: int
    # SQLAlchemy URL of the server's database (postgresql+asyncpg://...); None: SQLite in `home`.
    database_url: str | None = field(default=None, repr=False)
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def api_url(self) -> str:
        return f"http://{HOST}:{self.port}/api"

    @property
    def ui_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.home / "server.log"

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def client_env(self, extra: Mapping[str, str | None] | None = None) -> dict[str, str]:
        """The environment of a Prefect client process (CLI, worker) talking to this server.

        `extra` adds variables; a None value removes one inherited from the test process.
        """
        env = dict(os.environ)
        env.update(
            PREFECT_API_URL=self.api_url,
            PREFECT_HOME=str(self.home / "client"),
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
            DO_NOT_TRACK="1",
            PREFECT_CLI_PROMPT="false",
        )
        for key, value in (extra or {}).items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return env

    # -- REST ------------------------------------------------------------------------------

    def api(self, method: str, path: str, body: Any = None, *, timeout: float = 30.0) -> Any:
        """One REST call; the decoded JSON answer (None for an empty one). Raises on HTTP errors.

        A 503 is retried, as Prefect's own client does: the SQLite server answers it when two writes
        collide ("database is locked").
        """
        data = json.dumps(body).encode() if body is not None else None
        for attempt in range(SERVICE_UNAVAILABLE_RETRIES + 1):
            request = urllib.request.Request(
                self.api_url + path, data=data, method=method, headers={"Content-Type": "application/json"}
            )
            try:
                with urllib.request.urlopen(request, timeout=timeout) as response:
                    raw = response.read()
                return json.loads(raw) if raw else None
            except urllib.error.HTTPError as exc:
                if exc.code != 503 or attempt == SERVICE_UNAVAILABLE_RETRIES:
                    raise
                time.sleep(0.2 * 2**attempt)
        raise AssertionError("unreachable")

    def healthy(self) -> bool:
        try:
            return self.api("GET", "/health", timeout=2.0) is True
        except (OSError, urllib.error.URLError, ValueError):
            return False

    # -- CLI ------------------------------------------------------------------------------

    def cli(
        self,
        *args: str,
        cwd: Path | None = None,
        env: Mapping[str, str | None] | None = None,
        timeout: float = 120.0,
        check: bool = True,
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [PREFECT, *args],
            cwd=cwd,
            env=self.client_env(env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"prefect {' '.join(args)} exited {done.returncode}:\n"
                f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
            )
        return done

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        server_env = {"PREFECT_HOME": str(self.home)}
        if self.database_url is not None:
            # Only the server process talks to the database; clients and workers use the API.
            server_env["PREFECT_API_DATABASE_CONNECTION_URL"] = self.database_url
        log = self.log_path.open("ab")
        try:
            self.process = subprocess.Popen(
                [PREFECT, "server", "start", "--host", HOST, "--port", str(self.port), "--analytics-off"],
                env=self.client_env(server_env),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        finally:
            log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while not self.healthy():
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"prefect server exited {self.process.returncode}:\n{self.log_text()[-3000:]}"
                )
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    f"prefect server not healthy after {START_TIMEOUT} s:\n{self.log_text()[-3000:]}"
                )
            time.sleep(0.2)  # polling /api/health: test code, not product code

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None

    def start_worker(
        self,
        pool: str,
        env: Mapping[str, str | None],
        *,
        log_dir: Path,
        query_seconds: float = 1,
        name: str | None = None,
        limit: int | None = None,
    ) -> Worker:
        """A process worker on `pool` (which must exist) polling every `query_seconds`.

        `env` adds to (None: removes from) the client environment; the flow runs inherit it.
        `name` (`--name`) tells several workers of one pool apart; `limit` (`--limit`) caps the runs
        it executes at once.
        """
        log_path = log_dir / f"worker-{name or pool}.log"
        worker_env: dict[str, str | None] = {"PREFECT_WORKER_QUERY_SECONDS": str(query_seconds), **env}
        argv = [PREFECT, "worker", "start", "--pool", pool, "--type", "process"]
        if name is not None:
            argv += ["--name", name]
        if limit is not None:
            argv += ["--limit", str(limit)]
        log = log_path.open("ab")
        try:
            proc = subprocess.Popen(
                argv,
                env=self.client_env(worker_env),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        finally:
            log.close()
        worker = Worker(pool=pool, process=proc, log_path=log_path, name=name)
        # Ready once the server has seen its first heartbeat (this worker's, when it is named).
        deadline = time.monotonic() + START_TIMEOUT
        while not any(
            name is None or seen.get("name") == name
            for seen in self.api("POST", f"/work_pools/{pool}/workers/filter", {})
        ):
            if proc.poll() is not None or time.monotonic() > deadline:
                worker.stop()
                raise RuntimeError(f"worker on {pool} did not start:\n{worker.log_text()[-3000:]}")
            time.sleep(0.2)  # polling the server: test code, not product code
        return worker


@contextlib.contextmanager
def running_server(database_url: str | None = None) -> Iterator[PrefectServer]:
    """A started server with its own PREFECT_HOME; stopped and its home deleted whatever happens."""
    if not os.access(PREFECT, os.X_OK):
        pytest.fail(f"{PREFECT} is missing: install the project (pip install -e .)")
    home = Path(tempfile.mkdtemp(prefix="clonepilot-prefect-server-"))
    server = PrefectServer(home=home, port=_free_port(), database_url=database_url)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[PrefectServer]:
    """A real `prefect server start` on 127.0.0.1 with its own PREFECT_HOME, for the whole session."""
    with running_server() as server:
        yield server
