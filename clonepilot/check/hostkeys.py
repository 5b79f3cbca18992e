"""Is each node's SSH host key the one known_hosts records? Asked before any login.

Only the key exchange runs (no authentication, no command), and nothing is ever written to
known_hosts: an unknown key is a failure naming the fingerprint and the ssh-keyscan line that
records it once an administrator has verified it, whatever `ssh_accept_new_host_keys` says.
"""

from __future__ import annotations

import os
import shlex
import socket

import paramiko

from clonepilot.check.findings import HOSTKEY, Finding, fail, ok
from clonepilot.nodes import NodeAddress
from clonepilot.transport.hostkeys import fingerprint
from clonepilot.transport.ssh import SSHOptions


def known_name(host: str, port: int) -> str:
    """The host as known_hosts spells it (as HostKeyCheck.name does)."""
    return host if port == 22 else f"[{host}]:{port}"


def _known_keys(options: SSHOptions) -> tuple[paramiko.HostKeys, list[str]]:
    keys = paramiko.HostKeys()
    files = [os.path.expanduser(options.known_hosts)]
    if options.system_known_hosts:
        files.append(options.system_known_hosts)
    read: list[str] = []
    for path in files:
        if os.path.isfile(path):
            keys.load(path)
            read.append(path)
    return keys, read


def _server_key(host: str, port: int, preferred: list[str], timeout: float) -> paramiko.PKey:
    sock = socket.create_connection((host, port), timeout=timeout)
    link = paramiko.Transport(sock)
    try:
        if preferred:
            # As SSHClient does: ask for the key type known_hosts holds, so a server with several
            # host keys shows the one we can compare.
            options = link.get_security_options()
            types = list(options.key_types)
            options.key_types = [t for t in preferred if t in types] + [
                t for t in types if t not in preferred
            ]
        link.start_client(timeout=timeout)
        return link.get_remote_server_key()
    finally:
        link.close()


def check_host_key(node: NodeAddress, options: SSHOptions) -> Finding:
    subject = f"node {node}"
    if node.is_local:
        return ok(HOSTKEY, subject, "local node: commands run here, without SSH")
    port = node.port or options.port
    name = known_name(node.host, port)
    known_hosts = os.path.expanduser(options.known_hosts)
    try:
        keys, files = _known_keys(options)
    except (OSError, paramiko.SSHException) as exc:
        return fail(HOSTKEY, subject, f"cannot read known_hosts: {exc}", f"fix or remove {known_hosts}")
    entries = keys.lookup(name) or {}
    try:
        key = _server_key(node.host, port, list(entries.keys()), options.connect_timeout)
    except (OSError, paramiko.SSHException, EOFError) as exc:
        return fail(
            HOSTKEY,
            subject,
            f"cannot reach sshd at {node.host}:{port}: {exc or type(exc).__name__}",
            "check the node is up, sshd listens on that port and no firewall is in the way",
        )
    where = " or ".join(files) if files else known_hosts
    expected = entries.get(key.get_name())
    if expected is not None and expected == key:
        return ok(HOSTKEY, subject, f"{fingerprint(key)} matches {where}")
    keyscan = (
        f"ssh-keyscan {'-p ' + str(port) + ' ' if port != 22 else ''}-t {key.get_name()} "
        f"{shlex.quote(node.host)} >> {shlex.quote(known_hosts)}"
    )
    if entries:
        recorded = ", ".join(fingerprint(k) for k in entries.values())
        return fail(
            HOSTKEY,
            subject,
            f"HOST KEY CHANGED: {name} presents {fingerprint(key)} but {where} records {recorded}",
            "this may be an attack; if the node was reinstalled and its administrator confirms the new "
            f"fingerprint, run `ssh-keygen -R {shlex.quote(name)} -f {shlex.quote(known_hosts)}` then "
            f"`{keyscan}`",
        )
    return fail(
        HOSTKEY,
        subject,
        f"host key unknown: {name} presents {fingerprint(key)}, which {where} does not hold",
        f"verify that fingerprint with the node's administrator, then run `{keyscan}` "
        "(the check never records a key itself)",
    )
