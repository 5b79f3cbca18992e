"""A throwaway PostgreSQL cluster on 127.0.0.1, for a Prefect server backed by PostgreSQL.

`postgres` is session-scoped and not autouse: started only when a test asks for it (~1 s).
`prefect_server_postgres` is a `prefect server start` (tests/plugins/prefect_server.py) using it. It runs the
PostgreSQL binaries of the system (Debian's `postgresql` package, /usr/lib/postgresql/<v>/bin): a new
cluster (initdb) in a temporary directory, TCP on 127.0.0.1 only on a free port, its unix socket in
that directory (never /var/run/postgresql), a database user with a password (scram-sha-256 over TCP)
owning one database. initdb and postgres refuse to run as root: as root, they run as the `postgres`
system user (runuser), which owns the cluster's directory. At teardown, even after a failure, the
server is stopped (`pg_ctl stop -m fast`, then SIGKILL if that did not do it) and the directory
removed.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.plugins.prefect_server import HOST, PrefectServer, _free_port, running_server

START_TIMEOUT = 120.0  # initdb + start is ~3 s on 2 idle cores; allow a machine busy with other tests
STOP_TIMEOUT = 60.0
SYSTEM_USER = "postgres"  # who runs the server when the tests run as root
INSTALL_HINT = "run .ci/run or apt-get install postgresql"


def find_bin_dir() -> Path | None:
    """The newest installed /usr/lib/postgresql/<version>/bin holding initdb, if any."""
    found = sorted(
        (Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    return found[-1] if found else None


@dataclass
class Postgres:
    bin_dir: Path
    root: Path  # the temporary directory: data/, socket/, server.log
    port: int
    user: str
    password: str
    database: str
    run_as: str | None  # system user running the server binaries; None: the current user

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "socket"

    @property
    def log_path(self) -> Path:
        return self.root / "server.log"

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def url(self, driver: str = "postgresql+asyncpg") -> str:
        """The SQLAlchemy URL of the database, over TCP with the password (what Prefect wants)."""
        return f"{driver}://{self.user}:{self.password}@{HOST}:{self.port}/{self.database}"

    # -- running the binaries ----------------------------------------------------------------

    def run(
        self, tool: str, *args: str, input: str | None = None, timeout: float = START_TIMEOUT
    ) -> subprocess.CompletedProcess[str]:
        """One PostgreSQL program, as the cluster's owner; raises with its output if it fails."""
        argv = [str(self.bin_dir / tool), *args]
        if self.run_as is not None:
            argv = ["runuser", "-u", self.run_as, "--", *argv]
        done = subprocess.run(
            argv,
            # The owner may not read the test's working directory (pg_ctl and initdb chdir-check it).
            cwd=self.root,
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"{tool} {' '.join(args)} exited {done.returncode}:\n{done.stdout[-2000:]}\n"
                f"{done.stderr[-2000:]}\n--- server log\n{self.log_text()[-3000:]}"
            )
        return done

    def psql(self, sql: str, *, database: str = "postgres") -> str:
        """SQL as the cluster's superuser, over the unix socket in the cluster's directory."""
        # -At: bare rows, one a line, columns separated by |: easy to assert on.
        args = ["-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", str(self.socket_dir), "-p", str(self.port)]
        return self.run("psql", *args, "-d", database, "-c", sql).stdout

    def ready(self) -> bool:
        """pg_isready over TCP on 127.0.0.1: the address Prefect connects to."""
        argv = [str(self.bin_dir / "pg_isready"), "-q", "-h", HOST, "-p", str(self.port), "-t", "2"]
        return subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=30).returncode == 0

    # -- lifecycle ---------------------------------------------------------------------------

    def init(self) -> None:
        self.data_dir.mkdir()
        self.socket_dir.mkdir()
        self.log_path.touch()
        if self.run_as is not None:
            entry = pwd.getpwnam(self.run_as)
            for path in (self.root, self.data_dir, self.socket_dir, self.log_path):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        # The superuser (the system user) logs in by peer over the socket only; the database user by
        # password over TCP. No trust anywhere, even for a throwaway cluster.
        self.run(
            "initdb",
            "-D",
            str(self.data_dir),
            "--auth-local=peer",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--no-instructions",
        )
        (self.data_dir / "pg_hba.conf").write_text(
            "local all all peer\nhost all all 127.0.0.1/32 scram-sha-256\n"
        )
        settings = {
            "listen_addresses": f"'{HOST}'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.socket_dir}'",
            # Throwaway data: durability would only slow the tests down.
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            # A Prefect server opens a pool per process; two workers' runs add clients, never 100.
            "max_connections": "100",
        }
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write("\n# clonepilot tests\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def start(self) -> None:
        # -w: pg_ctl itself polls until the server accepts connections (or -t runs out).
        self.run(
            "pg_ctl",
            "start",
            "-D",
            str(self.data_dir),
            "-l",
            str(self.log_path),
            "-w",
            "-t",
            str(int(START_TIMEOUT)),
        )
        deadline = time.monotonic() + START_TIMEOUT
        while not self.ready():
            if time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL not ready on {HOST}:{self.port}:\n{self.log_text()[-3000:]}")
            time.sleep(0.1)  # polling pg_isready: test code, not product code
        # A login role with a password; it owns Prefect's database and so may create its extensions
        # (pg_trgm is a trusted extension since PostgreSQL 13).
        self.psql(f"CREATE ROLE {self.user} LOGIN PASSWORD '{self.password}'")
        self.psql(f"CREATE DATABASE {self.database} OWNER {self.user}")

    def postmaster_pid(self) -> int | None:
        try:
            return int((self.data_dir / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop(self) -> None:
        if not (self.data_dir / "postmaster.pid").exists():
            return
        pid = self.postmaster_pid()
        try:
            self.run("pg_ctl", "stop", "-D", str(self.data_dir), "-m", "fast", "-w", timeout=STOP_TIMEOUT)
        except (RuntimeError, subprocess.TimeoutExpired):
            # Never leave a server behind: the postmaster's children exit when it dies.
            if pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        pytest.fail(f"running as root, and no {SYSTEM_USER!r} user to run PostgreSQL as: {INSTALL_HINT}")
    return SYSTEM_USER


@contextlib.contextmanager
def start_postgres(database: str = "prefect", user: str = "clonepilot") -> Iterator[Postgres]:
    """A new cluster, running until the block ends; stopped and deleted whatever happens."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.fail(f"PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): {INSTALL_HINT}")
    root = Path(tempfile.mkdtemp(prefix="clonepilot-postgres-"))
    server = Postgres(
        bin_dir=bin_dir,
        root=root,
        port=_free_port(),
        user=user,
        # Hex: no character that would need quoting in SQL or escaping in a URL.
        password=secrets.token_hex(16),
        database=database,
        run_as=_run_as(),
    )
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def listening_addresses(port: int, tables: Sequence[str] = ("/proc/net/tcp", "/proc/net/tcp6")) -> set[str]:
    """The local addresses with a socket LISTENing on `port` (IPv4 dotted, IPv6 as hex)."""
    found: set[str] = set()
    for table in tables:
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                address, port_hex = fields[1].rsplit(":", 1)
                if fields[3] != "0A" or int(port_hex, 16) != port:  # 0A: TCP_LISTEN
                    continue
                if len(address) == 8:  # IPv4, little-endian hex
                    found.add(".".join(str(b) for b in reversed(bytes.fromhex(address))))
                else:
                    found.add(address)
    return found


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A PostgreSQL cluster on 127.0.0.1 with a database `prefect` owned by a password user."""
    with start_postgres() as server:
        yield server


@pytest.fixture(scope="session")
def prefect_server_postgres(postgres: Postgres) -> Iterator[PrefectServer]:
    """A real `prefect server start` on 127.0.0.1 keeping its data in the `postgres` fixture's database.

    Separate from `prefect_server` (SQLite), which keeps its own behaviour; both may run in a session.
    """
    with running_server(database_url=postgres.url()) as server:
        yield server
