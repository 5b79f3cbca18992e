"""Host key verification against known_hosts files, with messages that say what to do."""

from __future__ import annotations

import os
import shlex
import threading
from dataclasses import dataclass

import paramiko

from clonepilot.transport.errors import HostKeyError, describe

# Serialises appends to known_hosts files from concurrent first connections.
_KNOWN_HOSTS_LOCK = threading.Lock()


def fingerprint(key: paramiko.PKey) -> str:
    """The key's type and OpenSSH-style SHA256 fingerprint, as `ssh-keygen -lf` shows it."""
    return f"{key.get_name()} {key.fingerprint}"


@dataclass(frozen=True)
class HostKeyCheck:
    """Where one connection's host key is checked, and what to name in messages."""

    node: str
    host: str
    port: int
    known_hosts: str  # expanded path: read, and appended to when accept_new is set
    system_known_hosts: str | None
    accept_new: bool
    command: str | None

    @property
    def name(self) -> str:
        """The host as known_hosts spells it."""
        return self.host if self.port == 22 else f"[{self.host}]:{self.port}"

    def load(self, client: paramiko.SSHClient) -> None:
        """Load the system file (read only) and the configured file into client."""
        try:
            if self.system_known_hosts and os.path.isfile(self.system_known_hosts):
                client.load_system_host_keys(self.system_known_hosts)
            if os.path.isfile(self.known_hosts):
                client.load_host_keys(self.known_hosts)
        except (OSError, paramiko.SSHException) as exc:
            raise self.error(f"cannot read known_hosts: {exc}; fix or remove the file", "", False) from None

    def changed(self, exc: paramiko.BadHostKeyException) -> HostKeyError:
        return self.error(
            f"HOST KEY CHANGED: {self.name} presents {fingerprint(exc.key)} but known_hosts records "
            f"{fingerprint(exc.expected_key)}. This may be an attack; if the node was reinstalled "
            f"and you verified the new key, run `ssh-keygen -R {shlex.quote(self.name)} -f "
            f"{shlex.quote(self.known_hosts)}` and connect again",
            exc.key.fingerprint,
            True,
        )

    def error(self, text: str, key_fingerprint: str, changed: bool) -> HostKeyError:
        return HostKeyError(
            describe(self.node, self.command, text),
            node=self.node,
            command=self.command,
            fingerprint=key_fingerprint,
            changed=changed,
        )


class HostKeyPolicy(paramiko.MissingHostKeyPolicy):
    """Refuse unknown host keys with a message saying what to do, or record them if allowed.

    Only called for hosts with no recorded key; paramiko itself refuses a changed key.
    """

    def __init__(self, check: HostKeyCheck) -> None:
        self._check = check

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> None:
        check = self._check
        if not check.accept_new:
            port_flag = f"-p {check.port} " if check.port != 22 else ""
            raise check.error(
                f"host key of {hostname} is unknown ({fingerprint(key)}); verify that fingerprint "
                f"with the node's administrator, then add it with `ssh-keyscan {port_flag}-t "
                f"{key.get_name()} {shlex.quote(check.host)} >> {shlex.quote(check.known_hosts)}` "
                "or connect once with accept_new_host_keys enabled",
                key.fingerprint,
                False,
            )
        try:
            append_known_host(check.known_hosts, hostname, key)
        except OSError as exc:
            raise check.error(
                f"cannot record the new host key in {check.known_hosts}: {exc.strerror or exc}; "
                "fix the file's permissions or configure another known_hosts path",
                key.fingerprint,
                False,
            ) from None
        client.get_host_keys().add(hostname, key.get_name(), key)


def append_known_host(path: str, hostname: str, key: paramiko.PKey) -> None:
    """Append one `host type base64` line, creating the file (and its directory) if needed."""
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, mode=0o700, exist_ok=True)
    with _KNOWN_HOSTS_LOCK, open(path, "a+b") as handle:
        handle.seek(0, os.SEEK_END)
        needs_newline = False
        if handle.tell() > 0:
            handle.seek(-1, os.SEEK_END)
            needs_newline = handle.read(1) != b"\n"
        line = f"{hostname} {key.get_name()} {key.get_base64()}\n"
        handle.write((b"\n" if needs_newline else b"") + line.encode())
