"""A real OpenSSH server on 127.0.0.1, for tests that run commands over SSH.

The `sshd` fixture is session-scoped: one server, own config, host key, client key and
authorized_keys in a temporary directory, never touching the system's sshd or ~/.ssh.
Tests that restart it or kill its sessions must leave it running with its original host key
(use the context manager `sshd.new_host_key()`, which restores it).
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from clonepilot.nodes import NodeAddress
from clonepilot.transport.ssh import SSHOptions

SSHD = "/usr/sbin/sshd"
HOST = "127.0.0.1"
START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0
# Sessions get this PATH whatever the user's shell start-up files would build.
SESSION_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _keygen(path: Path, comment: str) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
        check=True,
        stdin=subprocess.DEVNULL,
        capture_output=True,
    )


def _fingerprint(pub: Path) -> str:
    out = subprocess.run(["ssh-keygen", "-lf", str(pub)], check=True, capture_output=True, text=True).stdout
    return out.split()[1]  # "256 SHA256:... comment (ED25519)"


def _children(pid: int) -> dict[int, list[int]]:
    """Map of parent pid -> child pids for every process visible in /proc."""
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue  # exited while we looked
        # The command name may hold spaces and parentheses; the fields after the last ')' do not.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


@dataclass
class SSHServer:
    """A running sshd and everything a client needs to use it."""

    workdir: Path
    port: int
    user: str
    host: str = HOST
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def config_path(self) -> Path:
        return self.workdir / "sshd_config"

    @property
    def host_key(self) -> Path:
        return self.workdir / "ssh_host_ed25519_key"

    @property
    def client_key(self) -> Path:
        return self.workdir / "client_ed25519"

    @property
    def known_hosts(self) -> Path:
        """A known_hosts file holding this server's (original) host key."""
        return self.workdir / "known_hosts"

    @property
    def log_path(self) -> Path:
        return self.workdir / "sshd.log"

    @property
    def host_key_fingerprint(self) -> str:
        return _fingerprint(self.host_key.with_suffix(".pub"))

    @property
    def known_hosts_line(self) -> str:
        kind, b64 = self.host_key.with_suffix(".pub").read_text().split()[:2]
        return f"[{self.host}]:{self.port} {kind} {b64}\n"

    @property
    def node(self) -> NodeAddress:
        return NodeAddress(host=self.host, user=self.user, port=self.port)

    @property
    def options(self) -> SSHOptions:
        """Options that reach this server with its client key, trusting only its known_hosts."""
        return SSHOptions(
            user=self.user,
            port=self.port,
            key_filename=str(self.client_key),
            use_agent=False,
            known_hosts=str(self.known_hosts),
            system_known_hosts=None,
            connect_timeout=5.0,
        )

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def accepted_logins(self) -> int:
        """How many SSH connections authenticated so far (each is one 'Accepted' log line)."""
        return sum(1 for line in self.log_text().splitlines() if "Accepted publickey for" in line)

    # -- lifecycle -----------------------------------------------------------------------

    def write_config(self) -> None:
        self.config_path.write_text(
            "\n".join(
                [
                    f"Port {self.port}",
                    f"ListenAddress {self.host}",
                    f"HostKey {self.host_key}",
                    f"PidFile {self.workdir / 'sshd.pid'}",
                    f"AuthorizedKeysFile {self.workdir / 'authorized_keys'}",
                    "StrictModes no",
                    "UsePAM no",
                    "PubkeyAuthentication yes",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "PermitRootLogin prohibit-password",
                    "AllowTcpForwarding no",
                    "AllowAgentForwarding no",
                    "X11Forwarding no",
                    "UseDNS no",
                    "LogLevel VERBOSE",
                    # Flow tasks run many commands at once over one connection.
                    "MaxSessions 64",
                    "MaxStartups 64",
                    "Subsystem sftp internal-sftp",
                    # A known PATH, and a HOME without the user's shell start-up files (root's
                    # .bashrc here runs pyenv, slowing every command); absolute paths work as usual.
                    f"SetEnv PATH={SESSION_PATH} HOME={self.workdir / 'home'}",
                    "",
                ]
            )
        )

    def start(self) -> None:
        if self.process is not None and self.process.poll() is None:
            return
        log = self.log_path.open("ab")
        try:
            self.process = subprocess.Popen(
                [SSHD, "-D", "-e", "-f", str(self.config_path)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        finally:
            log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"sshd exited with {self.process.returncode}:\n{self.log_text()[-3000:]}")
            with contextlib.suppress(OSError), socket.create_connection((self.host, self.port), timeout=0.5):
                return
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"sshd did not accept on port {self.port}:\n{self.log_text()[-3000:]}")
            time.sleep(0.02)  # polling the port: test code, not product code

    def stop(self) -> None:
        proc = self.process
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.process = None

    def restart(self) -> None:
        """Restart the listener (live sessions survive, as with a real sshd restart)."""
        self.stop()
        self.start()

    @contextlib.contextmanager
    def new_host_key(self) -> Iterator[str]:
        """Serve a freshly made host key (yields its fingerprint); restore the original after."""
        saved = self.workdir / "saved_host_key"
        shutil.copy2(self.host_key, saved)
        shutil.copy2(self.host_key.with_suffix(".pub"), saved.with_suffix(".pub"))
        try:
            self.host_key.unlink()
            self.host_key.with_suffix(".pub").unlink()
            _keygen(self.host_key, "rotated-host-key")
            self.restart()
            yield self.host_key_fingerprint
        finally:
            shutil.move(saved, self.host_key)
            shutil.move(saved.with_suffix(".pub"), self.host_key.with_suffix(".pub"))
            self.restart()

    # -- sessions ------------------------------------------------------------------------

    def session_pids(self) -> list[int]:
        """Every process below the listener: per-connection sshd processes and the commands they run."""
        if self.process is None:
            return []
        tree = _children(self.process.pid)
        found: list[int] = []
        todo = list(tree.get(self.process.pid, []))
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo.extend(tree.get(pid, []))
        return found

    @contextlib.contextmanager
    def frozen_sessions(self) -> Iterator[list[int]]:
        """Stop (SIGSTOP) every live session process, as a hung node would be; resume them after."""
        pids = self.session_pids()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)
        try:
            yield pids
        finally:
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGCONT)

    def kill_sessions(self) -> int:
        """Kill every live connection abruptly (as a crash or network cut would); return how many."""
        pids = self.session_pids()
        # sshd processes first, so clients see the connection die, not a command ending.
        daemons = [pid for pid in pids if _comm(pid) == "sshd"]
        for pid in daemons + [pid for pid in pids if pid not in daemons]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return len(daemons)


@pytest.fixture(scope="session")
def sshd() -> Iterator[SSHServer]:
    if not os.access(SSHD, os.X_OK):
        pytest.fail(f"{SSHD} is missing: install openssh-server (apt-get install openssh-server)")
    if shutil.which("ssh-keygen") is None:
        pytest.fail("ssh-keygen is missing: install openssh-client (apt-get install openssh-client)")
    # sshd refuses to start without its privilege-separation directory.
    try:
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
    except PermissionError:
        pytest.fail("/run/sshd is missing and cannot be created: run `sudo mkdir -p /run/sshd` once")
    workdir = Path(tempfile.mkdtemp(prefix="clonepilot-sshd-"))
    (workdir / "home").mkdir()
    server = SSHServer(workdir=workdir, port=_free_port(), user=getpass.getuser())
    _keygen(server.host_key, "clonepilot-test-host")
    _keygen(server.client_key, "clonepilot-test-client")
    shutil.copy(server.client_key.with_suffix(".pub"), workdir / "authorized_keys")
    server.write_config()
    server.known_hosts.write_text(server.known_hosts_line)
    try:
        server.start()
    except RuntimeError as exc:
        if "Address already in use" not in str(exc):
            raise
        # Another process took the free port between our probe and sshd's bind: pick another.
        server.port = _free_port()
        server.write_config()
        server.known_hosts.write_text(server.known_hosts_line)
        server.start()
    try:
        yield server
    finally:
        server.kill_sessions()
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
