"""Run commands on a remote node over SSH (paramiko), one reused connection per node."""

from __future__ import annotations

import contextlib
import getpass
import os
import posixpath
import secrets
import select
import shlex
import socket
import stat
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NoReturn

import paramiko

from clonepilot.nodes import NodeAddress
from clonepilot.transport.base import CommandResult, Transport, check_argv, check_env
from clonepilot.transport.errors import (
    AuthError,
    CommandTimeout,
    ConnectError,
    ConnectionDropped,
    FileWriteError,
    HostKeyError,
    TransportClosed,
    TransportError,
    describe,
)
from clonepilot.transport.hostkeys import HostKeyCheck, HostKeyPolicy
from clonepilot.transport.privatedir import DEFAULT_REMEDY, PRIVATE_MODE, check_private_dir

# Exceptions that mean "the SSH connection is broken" once it was established.
_LINK_ERRORS = (paramiko.SSHException, EOFError, OSError)
_CHUNK = 32768
# While stdin is still being sent, paramiko gives no file descriptor to wait on for window space,
# so the loop polls at this interval; otherwise it blocks on the channel's pipe.
_STDIN_POLL = 0.01
# Upper bound on one blocking wait, so a connection that dies without waking the pipe is noticed.
_MAX_WAIT = 1.0
# How long write_file waits for each SFTP reply when no command_timeout is configured.
_SFTP_TIMEOUT = 60.0


def _secret_repr(value: str | None) -> str:
    return "None" if value is None else "'***'"


@dataclass(frozen=True)
class SSHOptions:
    """How to reach SSH nodes. Node `user@host:port` overrides user and port per node.

    passphrase and password are secrets supplied by the caller (e.g. from a Prefect Secret);
    they never appear in repr/str, in messages or in logs.
    """

    user: str | None = None  # None: the local user, as ssh does
    port: int = 22
    key_filename: str | None = None
    passphrase: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    use_agent: bool = True
    known_hosts: str = "~/.ssh/known_hosts"  # read, and where accepted new keys are appended
    system_known_hosts: str | None = "/etc/ssh/ssh_known_hosts"  # read only, if present
    accept_new_host_keys: bool = False  # like OpenSSH accept-new: unknown keys only, never changed ones
    connect_timeout: float = 10.0
    command_timeout: float | None = None  # default for run() when it gets no timeout
    keepalive_interval: int = 30  # seconds; 0 disables

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}={_secret_repr(value) if name in ('passphrase', 'password') else repr(value)}"
            for name, value in self.__dict__.items()
        )
        return f"SSHOptions({shown})"

    __str__ = __repr__


class SSHTransport(Transport):
    """A node reached over SSH. The connection opens on first use and is reused by every command."""

    def __init__(self, node: NodeAddress, options: SSHOptions | None = None) -> None:
        self.options = options or SSHOptions()
        self.host = node.host
        self.user = node.user or self.options.user or getpass.getuser()
        self.port = node.port or self.options.port
        self.node = str(node)
        # How many SSH connections this transport opened: 1 while one connection serves everything.
        self.connections_opened = 0
        self._client: paramiko.SSHClient | None = None
        self._uid: int | None = None
        self._lock = threading.Lock()
        self._closed = False

    def __repr__(self) -> str:
        return f"SSHTransport(node={self.node!r}, user={self.user!r}, port={self.port})"

    # -- connection -------------------------------------------------------------------------

    def connect(self, command: str | None = None) -> paramiko.Transport:
        """Return the live connection, opening it if needed (run() does this for you).

        command only names, in error messages, what the connection was opened for.
        """
        with self._lock:
            if self._closed:
                raise TransportClosed(
                    describe(
                        self.node, command, "the transport was already closed; get a new one from the pool"
                    ),
                    node=self.node,
                    command=command,
                )
            if self._client is not None:
                live = self._client.get_transport()
                if live is not None and live.is_active():
                    return live
                self._client.close()
                self._client = None
            client = self._open(command)
            self._client = client
            self.connections_opened += 1
            link = client.get_transport()
            assert link is not None  # connect() succeeded, so paramiko has a transport
            return link

    def _forget(self, link: paramiko.Transport) -> None:
        """Drop a connection found dead, unless another thread already replaced it."""
        with self._lock:
            if self._client is not None and self._client.get_transport() is link:
                self._client.close()
                self._client = None

    def _open(self, command: str | None) -> paramiko.SSHClient:
        opts = self.options
        pkey = self._load_key(command)
        client = paramiko.SSHClient()
        check = HostKeyCheck(
            node=self.node,
            host=self.host,
            port=self.port,
            known_hosts=os.path.expanduser(opts.known_hosts),
            system_known_hosts=opts.system_known_hosts,
            accept_new=opts.accept_new_host_keys,
            command=command,
        )
        try:
            check.load(client)
        except HostKeyError:
            client.close()
            raise
        client.set_missing_host_key_policy(HostKeyPolicy(check))
        timeout = opts.connect_timeout
        try:
            client.connect(
                hostname=self.host,
                port=self.port,
                username=self.user,
                password=opts.password,
                pkey=pkey,
                allow_agent=opts.use_agent,
                # Like ssh: try ~/.ssh/id_* only when no credential was configured explicitly.
                look_for_keys=pkey is None and opts.password is None,
                timeout=timeout,
                banner_timeout=timeout,
                auth_timeout=timeout,
                channel_timeout=timeout,
            )
        except HostKeyError:
            client.close()
            raise
        except paramiko.BadHostKeyException as exc:
            client.close()
            raise check.changed(exc) from None
        except paramiko.AuthenticationException as exc:
            client.close()
            raise AuthError(
                describe(
                    self.node,
                    command,
                    f"user {self.user} was refused by {self.host}:{self.port} ({exc}); check the key, "
                    "agent or password configured for this node and that its public key is in the "
                    "user's authorized_keys there",
                ),
                node=self.node,
                command=command,
            ) from None
        except TimeoutError as exc:
            client.close()
            raise self._connect_error(
                command, f"timed out after {timeout:g} s ({exc or 'no answer'})"
            ) from None
        except socket.gaierror as exc:
            client.close()
            raise self._connect_error(command, f"cannot resolve host name {self.host!r}: {exc}") from None
        except (OSError, paramiko.SSHException, EOFError) as exc:
            client.close()
            raise self._connect_error(command, str(exc) or type(exc).__name__) from None
        link = client.get_transport()
        if link is not None and opts.keepalive_interval > 0:
            link.set_keepalive(opts.keepalive_interval)
        return client

    def _load_key(self, command: str | None) -> paramiko.PKey | None:
        """Load the key file up front, so a bad key or passphrase is an AuthError, not a network error."""
        path = self.options.key_filename
        if path is None:
            return None
        path = os.path.expanduser(path)
        passphrase = self.options.passphrase
        secret = passphrase.encode() if passphrase is not None else None
        try:
            try:
                return paramiko.PKey.from_path(path, secret)
            except TypeError:
                # cryptography's way of saying the passphrase does not fit the key's encryption.
                if secret is None:
                    raise paramiko.PasswordRequiredException() from None
                # A passphrase configured for an unencrypted key is ignored, as ssh does.
                return paramiko.PKey.from_path(path, None)
        except paramiko.PasswordRequiredException:
            problem = "is encrypted and no passphrase was given; configure its passphrase"
        except (paramiko.SSHException, ValueError, TypeError):
            problem = "cannot be decrypted or is not a private key; check the passphrase and the file"
        except OSError as exc:
            problem = f"cannot be read ({exc.strerror or exc}); check the path and its permissions"
        raise AuthError(
            describe(self.node, command, f"key file {path} {problem}"), node=self.node, command=command
        )

    def _connect_error(self, command: str | None, what: str) -> ConnectError:
        return ConnectError(
            describe(
                self.node,
                command,
                f"cannot connect to {self.host}:{self.port}: {what}; check the node is up, sshd listens "
                "on that port and no firewall is in the way (it may be retried)",
            ),
            node=self.node,
            command=command,
        )

    # -- commands ---------------------------------------------------------------------------

    def run(
        self,
        argv: Sequence[str],
        *,
        timeout: float | None = None,
        env: Mapping[str, str] | None = None,
        stdin: str | None = None,
    ) -> CommandResult:
        args = check_argv(argv)
        extra = check_env(env)
        if timeout is None:
            timeout = self.options.command_timeout
        return self._execute(args, extra, stdin, timeout, killable=True)

    def _execute(
        self,
        args: tuple[str, ...],
        extra: dict[str, str],
        stdin: str | None,
        timeout: float | None,
        *,
        killable: bool,
    ) -> CommandResult:
        command = shlex.join(args)
        # The server's AcceptEnv cannot be relied on, so the environment travels on the command line.
        inner = ["env", *(f"{k}={v}" for k, v in extra.items()), *args] if extra else list(args)
        tag = f"clonepilot-pgid-{secrets.token_hex(8)}=".encode()
        if killable:
            # sshd makes the login shell a session (and process group) leader. Exec'ing sh keeps
            # that pid; sh reports it on stderr, then exec's the command, still with that pid, so
            # a timeout can kill the whole group. OpenSSH's own "signal" channel request cannot
            # do this: sshd refuses it for root logins. The login shell only sees `exec` and
            # single-quoted words, so this works whatever that shell is.
            script = f'echo {tag.decode()}$$ >&2; exec "$@"'
            remote = shlex.join(["exec", "sh", "-c", script, "sh", *inner])
        else:
            remote = shlex.join(inner)
        started = time.monotonic()
        chan, link = self._open_channel(command)
        try:
            try:
                chan.exec_command(remote)
            except _LINK_ERRORS as exc:
                self._forget(link)
                self._raise_dropped(command, exc)
            out, err = self._collect(chan, link, command, stdin, timeout, started, tag if killable else None)
        finally:
            chan.close()
        code = chan.exit_status
        if code == -1 and (not link.is_active() or link.get_exception() is not None):
            # Closed without an exit status because the connection died, not because the command ended.
            self._forget(link)
            self._raise_dropped(command, link.get_exception())
        if killable:
            err, _ = _take_pgid(err, tag)
        return CommandResult(
            node=self.node,
            argv=args,
            exit_code=code,
            stdout=out.decode("utf-8", errors="replace"),
            stderr=err.decode("utf-8", errors="replace"),
            duration=time.monotonic() - started,
        )

    def _open_channel(self, command: str) -> tuple[paramiko.Channel, paramiko.Transport]:
        for attempt in (1, 2):
            link = self.connect(command)
            try:
                return link.open_session(timeout=self.options.connect_timeout), link
            except _LINK_ERRORS as exc:
                # Nothing ran yet, so one fresh connection is safe: the old one may have died idle.
                self._forget(link)
                if attempt == 2:
                    raise self._connect_error(command, f"cannot open a session: {exc}") from None
        raise AssertionError("unreachable")

    def _collect(
        self,
        chan: paramiko.Channel,
        link: paramiko.Transport,
        command: str,
        stdin: str | None,
        timeout: float | None,
        started: float,
        tag: bytes | None,
    ) -> tuple[bytes, bytes]:
        out = bytearray()
        err = bytearray()
        pending: memoryview | None = memoryview(stdin.encode()) if stdin is not None else None
        deadline = started + timeout if timeout is not None else None
        try:
            if pending is None:
                chan.shutdown_write()  # the command reads end-of-file, never waits for us
            # The channel's pipe becomes readable on stdout/stderr data and on close.
            wakeup = chan.fileno()
            while True:
                while chan.recv_ready():
                    out += chan.recv(_CHUNK)
                while chan.recv_stderr_ready():
                    err += chan.recv_stderr(_CHUNK)
                if pending is not None:
                    pending = self._feed(chan, pending)
                if chan.closed:
                    break
                wait = _MAX_WAIT if pending is None else _STDIN_POLL
                if deadline is not None:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        self._kill(chan, bytes(err), tag)
                        raise CommandTimeout(
                            describe(
                                self.node,
                                command,
                                f"no exit after {timeout:g} s, so it was killed on the node; raise the "
                                "timeout if the command is just slow, or look at why it hangs",
                            ),
                            node=self.node,
                            command=command,
                            timeout=float(timeout or 0),
                        )
                    wait = min(wait, remaining)
                select.select([wakeup], [], [], wait)
            # Data that arrived together with the close.
            while chan.recv_ready():
                out += chan.recv(_CHUNK)
            while chan.recv_stderr_ready():
                err += chan.recv_stderr(_CHUNK)
        except TransportError:
            raise
        except _LINK_ERRORS as exc:
            self._forget(link)
            self._raise_dropped(command, exc)
        except BaseException:
            # Interrupted (Ctrl-C, flow cancelled): do not leave the command running on the node.
            self._kill(chan, bytes(err), tag)
            raise
        return bytes(out), bytes(err)

    @staticmethod
    def _feed(chan: paramiko.Channel, pending: memoryview) -> memoryview | None:
        """Send as much stdin as the window allows without blocking; None once all is sent."""
        try:
            while pending and chan.send_ready():
                sent = chan.send(pending[:_CHUNK])
                pending = pending[sent:]
        except OSError:
            if chan.closed:
                return None  # the command exited without reading all its input, as with a pipe
            raise
        if pending:
            return pending
        chan.shutdown_write()
        return None

    def _kill(self, chan: paramiko.Channel, err: bytes, tag: bytes | None) -> None:
        """Kill the command's process group on the node (best effort), then close its channel.

        Closing the channel alone would leave a command that neither reads nor writes running.
        """
        with contextlib.suppress(_LINK_ERRORS):
            chan.close()
        pgid = _take_pgid(err, tag)[1] if tag is not None else None
        if pgid is None:
            return  # killed before its shell even started: nothing runs yet to be killed
        try:
            self._execute(
                ("kill", "-s", "KILL", "--", f"-{pgid}"),
                {},
                None,
                self.options.connect_timeout,
                killable=False,
            )
        except TransportError:
            # The connection itself is stuck (a hung node): give the next command a fresh one.
            self._forget(chan.get_transport())

    def _raise_dropped(self, command: str | None, exc: BaseException | None) -> NoReturn:
        detail = f" ({exc})" if exc is not None and str(exc) else ""
        raise ConnectionDropped(
            describe(
                self.node,
                command,
                f"the SSH connection to {self.host}:{self.port} died while it ran{detail}; it may or "
                "may not have completed there: check its effect before repeating it",
            ),
            node=self.node,
            command=command,
        ) from None

    # -- files ------------------------------------------------------------------------------

    def _file_error(self, doing: str, exc: OSError, check: str) -> FileWriteError:
        return FileWriteError(
            describe(
                self.node, None, f"{doing}: {exc.strerror or exc}; {check} and is writable by that user"
            ),
            node=self.node,
        )

    def write_file(self, path: str, content: str, mode: int = 0o600) -> None:
        what = f"write {path}"
        sftp, link, limit = self._open_sftp(what)
        directory, name = os.path.split(path)
        tmp = os.path.join(directory, f".{name}.{secrets.token_hex(6)}.tmp")
        created = False

        def failed(exc: OSError) -> TransportError:
            return self._file_error(
                f"cannot write {path} as {self.user}", exc, "check the directory exists or can be created"
            )

        try:
            with self._sftp_errors(link, what, limit, failed):
                if directory:
                    self._makedirs(sftp, directory)
                # Exclusive create, then narrow the mode before any content is written.
                with sftp.open(tmp, "wbx") as handle:
                    created = True
                    handle.chmod(mode)
                    handle.write(content.encode())
                sftp.posix_rename(tmp, path)
                created = False
        finally:
            if created:
                with contextlib.suppress(_LINK_ERRORS):
                    sftp.remove(tmp)
            with contextlib.suppress(_LINK_ERRORS):
                sftp.close()

    @property
    def login_user(self) -> str:
        return self.user

    def ensure_private_dir(self, path: str, *, remedy: str = DEFAULT_REMEDY) -> str | None:
        what = f"check directory {path}"
        uid = self._login_uid()
        sftp, link, limit = self._open_sftp(what)

        def failed(exc: OSError) -> TransportError:
            return self._file_error(
                f"cannot make {path} a directory private to {self.user}",
                exc,
                "check that its parent exists or can be created",
            )

        try:
            with self._sftp_errors(link, what, limit, failed):
                parent = posixpath.dirname(path.rstrip("/"))
                if parent:
                    self._makedirs(sftp, parent)
                # Fails on any entry in the way (SFTP says a bare "Failure"): the lstat below says which.
                with contextlib.suppress(OSError):
                    sftp.mkdir(path, PRIVATE_MODE)
                seen = sftp.lstat(path)
                mode = seen.st_mode or 0
                warning = check_private_dir(
                    self.node,
                    path,
                    mode=mode,
                    owner_uid=seen.st_uid,
                    login_user=self.user,
                    login_uid=uid,
                    remedy=remedy,
                )
                # SFTP has no descriptor-based chmod; in a sticky /var/tmp no one else can swap the
                # directory judged above for another between the lstat and the chmod.
                if stat.S_IMODE(mode) != PRIVATE_MODE:
                    sftp.chmod(path, PRIVATE_MODE)
        finally:
            with contextlib.suppress(_LINK_ERRORS):
                sftp.close()
        return warning

    def _login_uid(self) -> int:
        """The login user's uid on the node, asked once (`id -u`): SFTP shows owners as uids only."""
        with self._lock:
            if self._uid is not None:
                return self._uid
        result = self.run(["id", "-u"])
        answer = result.stdout.strip()
        if not result.ok or not answer.isdigit():
            detail = result.stderr.strip() or answer or "no output"
            raise FileWriteError(
                describe(
                    self.node,
                    result.command,
                    f"cannot tell the uid of {self.user} (exit {result.exit_code}: {detail}); check that "
                    "`id` is on the login user's PATH",
                ),
                node=self.node,
                command=result.command,
            )
        with self._lock:
            self._uid = int(answer)
            return self._uid

    def _open_sftp(self, what: str) -> tuple[paramiko.SFTPClient, paramiko.Transport, float]:
        """An SFTP session on the live connection (one fresh connection if it died idle)."""
        sftp: paramiko.SFTPClient | None = None
        for attempt in (1, 2):
            link = self.connect(what)
            try:
                sftp = paramiko.SFTPClient.from_transport(link)
                break
            except _LINK_ERRORS as exc:
                self._forget(link)
                if attempt == 2:
                    raise self._connect_error(
                        what, f"cannot open SFTP (is the sftp subsystem on?): {exc}"
                    ) from None
        assert sftp is not None
        # A hung server must not hang the flow: every SFTP reply has to come within this time.
        limit = self.options.command_timeout or _SFTP_TIMEOUT
        sftp.get_channel().settimeout(limit)
        return sftp, link, limit

    @contextlib.contextmanager
    def _sftp_errors(
        self,
        link: paramiko.Transport,
        what: str,
        limit: float,
        failed: Callable[[OSError], TransportError],
    ) -> Iterator[None]:
        """paramiko's SFTP errors as transport errors: a timeout, a dropped link, or `failed(exc)`."""
        try:
            yield
        except TimeoutError:
            self._forget(link)  # the connection is stuck; the next command gets a fresh one
            raise CommandTimeout(
                describe(self.node, what, f"no SFTP reply within {limit:g} s; check the node's load, disk"),
                node=self.node,
                command=what,
                timeout=limit,
            ) from None
        except OSError as exc:
            if not link.is_active():
                self._forget(link)
                self._raise_dropped(what, exc)
            raise failed(exc) from None
        except (paramiko.SSHException, EOFError) as exc:
            self._forget(link)
            self._raise_dropped(what, exc)

    @staticmethod
    def _makedirs(sftp: paramiko.SFTPClient, directory: str) -> None:
        parts = directory.split("/")
        for end in range(1, len(parts) + 1):
            prefix = "/".join(parts[:end])
            if not prefix:
                continue  # the root of an absolute path
            try:
                sftp.stat(prefix)
            except FileNotFoundError:
                try:
                    sftp.mkdir(prefix)
                except OSError:
                    # Another writer (a parallel resource of the same run) may have made it first;
                    # SFTP reports that as a bare "Failure", so look again before giving up.
                    sftp.stat(prefix)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._client is not None:
                self._client.close()
                self._client = None


def _take_pgid(err: bytes, tag: bytes | None) -> tuple[bytes, int | None]:
    """Split the shell's pid report (one `<tag><pid>` line) off stderr; return the rest and the pid."""
    if tag is None:
        return err, None
    start = err.find(tag)
    end = err.find(b"\n", start) if start >= 0 else -1
    if end < 0:
        return err, None
    digits = err[start + len(tag) : end]
    return err[:start] + err[end + 1 :], int(digits) if digits.isdigit() else None
