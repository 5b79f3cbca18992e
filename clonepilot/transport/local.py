"""Run commands on this machine, without a shell."""

from __future__ import annotations

import contextlib
import os
import pwd
import shlex
import signal
import stat
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence

from clonepilot.transport.base import CommandResult, Transport, check_argv, check_env
from clonepilot.transport.errors import CommandTimeout, FileWriteError, TransportClosed, describe
from clonepilot.transport.privatedir import DEFAULT_REMEDY, PRIVATE_MODE, check_private_dir

# How long to wait for pipes to drain after killing a timed-out process group; a grandchild
# that left the group could otherwise hold them open forever.
_DRAIN_AFTER_KILL = 5.0


class LocalTransport(Transport):
    """The node `localhost`: commands run as subprocesses of this process."""

    def __init__(self, node: str = "localhost") -> None:
        self.node = node
        self._closed = False

    def __repr__(self) -> str:
        return f"LocalTransport(node={self.node!r})"

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
        self._check_open(args)
        started = time.monotonic()
        try:
            # A new session makes the command the leader of its own process group, so a
            # timeout can kill everything it started, not just the direct child.
            proc = subprocess.Popen(
                args,
                stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env={**os.environ, **extra},
                start_new_session=True,
            )
        except OSError as exc:
            # Match what a shell on an SSH node reports, so callers see one behaviour everywhere.
            code = 127 if isinstance(exc, FileNotFoundError) else 126
            what = "command not found" if code == 127 else exc.strerror or str(exc)
            return CommandResult(
                node=self.node,
                argv=args,
                exit_code=code,
                stdout="",
                stderr=f"{args[0]}: {what}\n",
                duration=time.monotonic() - started,
            )
        try:
            out, err = proc.communicate(input=stdin.encode() if stdin is not None else None, timeout=timeout)
        except subprocess.TimeoutExpired:
            self._kill_group(proc)
            raise CommandTimeout(
                describe(
                    self.node,
                    shlex.join(args),
                    f"no exit after {timeout:g} s, so its process group was killed; "
                    "raise the timeout if the command is just slow, or look at why it hangs",
                ),
                node=self.node,
                command=shlex.join(args),
                timeout=float(timeout or 0),
            ) from None
        except BaseException:
            # KeyboardInterrupt or a cancelled flow: do not leave the command running behind us.
            self._kill_group(proc)
            raise
        return CommandResult(
            node=self.node,
            argv=args,
            exit_code=proc.returncode,
            stdout=out.decode("utf-8", errors="replace"),
            stderr=err.decode("utf-8", errors="replace"),
            duration=time.monotonic() - started,
        )

    def write_file(self, path: str, content: str, mode: int = 0o600) -> None:
        self._check_open(None)
        target = os.path.abspath(path)
        directory = os.path.dirname(target)
        tmp_path: str | None = None
        try:
            os.makedirs(directory, exist_ok=True)
            # The temporary file lives next to the target so the rename is atomic (same filesystem).
            fd, tmp_path = tempfile.mkstemp(
                dir=directory, prefix=f".{os.path.basename(target)}.", suffix=".tmp"
            )
            with os.fdopen(fd, "wb") as handle:
                os.fchmod(handle.fileno(), mode)
                handle.write(content.encode())
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp_path, target)
            tmp_path = None
        except OSError as exc:
            raise FileWriteError(
                describe(
                    self.node,
                    None,
                    f"cannot write {target}: {exc.strerror or exc}; check the directory exists "
                    "or can be created and is writable by this user",
                ),
                node=self.node,
            ) from None
        finally:
            if tmp_path is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp_path)

    @property
    def login_user(self) -> str:
        # The uid's name, not $USER: the owner checks compare uids, so must the name they show.
        uid = os.getuid()
        try:
            return pwd.getpwuid(uid).pw_name
        except KeyError:
            return str(uid)

    def ensure_private_dir(self, path: str, *, remedy: str = DEFAULT_REMEDY) -> str | None:
        self._check_open(None)
        target = os.path.abspath(path)
        user = self.login_user
        try:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            # Never one in the way: mkdir fails on any existing entry, a dangling symlink included.
            with contextlib.suppress(FileExistsError):
                os.mkdir(target, PRIVATE_MODE)
            seen = os.lstat(target)
            warning = check_private_dir(
                self.node,
                target,
                mode=seen.st_mode,
                owner_uid=seen.st_uid,
                login_user=user,
                login_uid=os.getuid(),
                remedy=remedy,
            )
            # Through a descriptor that cannot follow a symlink, and only if it is still the directory
            # judged above, so a swap in between changes nothing.
            fd = os.open(target, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
            try:
                now = os.fstat(fd)
                if (now.st_dev, now.st_ino, now.st_uid) != (seen.st_dev, seen.st_ino, seen.st_uid):
                    raise FileWriteError(
                        describe(self.node, None, f"{target} was replaced while it was checked; try again"),
                        node=self.node,
                    )
                if stat.S_IMODE(now.st_mode) != PRIVATE_MODE:
                    os.fchmod(fd, PRIVATE_MODE)
            finally:
                os.close(fd)
        except OSError as exc:
            raise FileWriteError(
                describe(
                    self.node,
                    None,
                    f"cannot make {target} a directory private to {user}: {exc.strerror or exc}; check "
                    "that its parent exists or can be created and is writable by this user",
                ),
                node=self.node,
            ) from None
        return warning

    def close(self) -> None:
        self._closed = True

    def _check_open(self, args: tuple[str, ...] | None) -> None:
        if self._closed:
            command = shlex.join(args) if args else None
            raise TransportClosed(
                describe(self.node, command, "the transport was already closed; get a new one from the pool"),
                node=self.node,
                command=command,
            )

    @staticmethod
    def _kill_group(proc: subprocess.Popen[bytes]) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        try:
            proc.communicate(timeout=_DRAIN_AFTER_KILL)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
