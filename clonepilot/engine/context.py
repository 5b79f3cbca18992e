"""One run of an action on one service: its transports, its journal of commands, its sinks.

Every command of a run goes through `RunContext.run`, so the journal holds exactly what ran,
where, with which exit code and for how long; that is what the summary and the Prefect
artifacts show, and what `--dry-run` prints.
"""

from __future__ import annotations

import logging
import posixpath
import shlex
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType

from clonepilot.config.models import Service
from clonepilot.engine.stopping import StopRequest
from clonepilot.nodes import NodeAddress
from clonepilot.settings import Settings
from clonepilot.symcli.pairsfile import pairs_dir_for
from clonepilot.transport import CommandResult, SSHOptions, Transport, TransportPool

log = logging.getLogger("clonepilot")


@dataclass(frozen=True)
class JournalEntry:
    """One command of a run. `executed` is False for a state-changing command a dry run skipped."""

    rid: str
    stage: str
    node: str
    argv: tuple[str, ...]
    changes_state: bool
    executed: bool
    exit_code: int | None
    duration: float
    started: float

    @property
    def command(self) -> str:
        return shlex.join(self.argv)


@dataclass
class Journal:
    """The commands of a run, in the order they started; safe to append from several threads."""

    entries: list[JournalEntry] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, entry: JournalEntry) -> None:
        with self._lock:
            self.entries.append(entry)

    def snapshot(self) -> tuple[JournalEntry, ...]:
        with self._lock:
            return tuple(self.entries)


@dataclass(frozen=True)
class ProgressEvent:
    """Where a wait stands: the percent copied over the resource's pairs and the time left."""

    rid: str
    waiting_for: str
    percent: float
    eta_seconds: float | None
    states: Mapping[str, int]
    elapsed: float
    done: bool = False
    # False when some pair's percent copied is unknown (the array did not give it): `percent`
    # then counts those pairs as 0 and is no measure of the time left.
    percent_known: bool = True


ProgressSink = Callable[[ProgressEvent], None]


def ssh_options_from(settings: Settings) -> SSHOptions:
    """The SSH options a run uses, from the settings, with their passphrase and password if set.

    This is the one place the secrets leave their SecretStr: SSHOptions hides them in its repr.
    A Prefect Secret block (`ssh_secret_block`) is loaded by the flows (flows/secrets.py).
    """
    passphrase, password = settings.ssh_key_passphrase, settings.ssh_password
    return SSHOptions(
        user=settings.ssh_user,
        port=settings.ssh_port,
        key_filename=str(settings.ssh_key_file) if settings.ssh_key_file else None,
        passphrase=passphrase.get_secret_value() if passphrase is not None else None,
        password=password.get_secret_value() if password is not None else None,
        known_hosts=str(settings.ssh_known_hosts),
        accept_new_host_keys=settings.ssh_accept_new_host_keys,
        connect_timeout=settings.ssh_connect_timeout,
        command_timeout=settings.command_timeout,
        keepalive_interval=int(settings.ssh_keepalive_interval),
    )


class RunContext:
    """What every step of one run shares. Open it with `with RunContext(...) as ctx:`."""

    def __init__(
        self,
        service: Service,
        settings: Settings,
        *,
        dry_run: bool = False,
        ssh_options: SSHOptions | None = None,
        progress: ProgressSink | None = None,
        logger: logging.Logger | logging.LoggerAdapter[logging.Logger] | None = None,
        pairs_dir: str | None = None,
        stop: StopRequest | None = None,
    ) -> None:
        self.service = service
        self.settings = settings
        self.dry_run = dry_run
        self.pool = TransportPool(ssh_options or ssh_options_from(settings))
        self.journal = Journal()
        # Per-run objects keyed by rid (e.g. a clone set's dry-run overlay), shared by the run's steps.
        self.cache: dict[str, object] = {}
        self.cache_lock = threading.Lock()
        self._progress = progress
        self.logger = logger or log
        # Called before every state-changing command: each raises to stop the run before it (the run
        # lock lost, a stop asked for), so no new change starts once one of them says no.
        # Asked by a signal or a Cancel (engine/stopping.py): every wait and change checks it.
        self.stop = stop or StopRequest()
        self.change_guards: list[Callable[[], None]] = [self.stop.check]
        # Where symclone pairs files are written on the symcli node: the `pairs_dir` setting for the
        # user logged in there, unless given (tests point it at a tmp dir).
        self._pairs_dir = pairs_dir
        # The directories found private on each node (by transport), so each is checked once a run.
        self._private_dirs: set[tuple[int, str]] = set()
        self._private_dirs_lock = threading.Lock()

    @property
    def symcli_bin(self) -> str:
        return str(self.settings.symcli_bin)

    @property
    def pairs_dir(self) -> str:
        """The directory of the pairs files on the symcli node, for the user clonepilot logs in as."""
        if self._pairs_dir is None:
            user = self.pool.get(self.service.symcli_node).login_user
            self._pairs_dir = pairs_dir_for(self.settings.pairs_dir, user)
        return self._pairs_dir

    def run(
        self,
        node: NodeAddress,
        argv: Sequence[str],
        *,
        rid: str,
        stage: str,
        changes_state: bool,
        timeout: float | None = None,
        env: Mapping[str, str] | None = None,
        stdin: str | None = None,
        log_level: int = logging.INFO,
    ) -> CommandResult | None:
        """Run argv on node and journal it. A dry run journals state-changing commands and returns None.

        `log_level` is for the command line in the log: polls pass DEBUG so a wait logs its progress
        lines, not one line per poll.
        """
        started = time.time()
        if self.dry_run and changes_state:
            self.journal.add(
                JournalEntry(rid, stage, str(node), tuple(argv), True, False, None, 0.0, started)
            )
            self.logger.info("%s: would run on %s: %s", rid, node, _quoted(argv))
            return None
        if changes_state:
            for guard in self.change_guards:
                guard()
        self.logger.log(log_level, "%s: %s: %s", rid, node, _quoted(argv))
        transport = self.pool.get(node)
        try:
            result = transport.run(
                argv, timeout=timeout or self.settings.command_timeout, env=env, stdin=stdin
            )
        except Exception:
            self.journal.add(
                JournalEntry(
                    rid,
                    stage,
                    str(node),
                    tuple(argv),
                    changes_state,
                    True,
                    None,
                    time.time() - started,
                    started,
                )
            )
            raise
        self.journal.add(
            JournalEntry(
                rid,
                stage,
                str(node),
                result.argv,
                changes_state,
                True,
                result.exit_code,
                result.duration,
                started,
            )
        )
        return result

    def write_file(self, node: NodeAddress, path: str, content: str, *, rid: str) -> None:
        """Write a file (a pairs file) on node. Also done in dry runs: it changes nothing on the array.

        Its directory must be private to the login user first (a pairs file names the devices
        symclone acts on): checked, and created or tightened, once per node and run.
        """
        transport = self.pool.get(node)
        self._ensure_private_dir(transport, posixpath.dirname(path))
        transport.write_file(path, content)

    def _ensure_private_dir(self, transport: Transport, directory: str) -> None:
        key = (id(transport), directory)
        # Held while checking: the run's parallel resources wait for the one check, never race it.
        with self._private_dirs_lock:
            if key in self._private_dirs:
                return
            remedy = (
                f"remove it (as its owner or root: rm -r {directory}) or set pairs_dir"
                f" (CLONEPILOT_PAIRS_DIR) to a directory {transport.login_user} alone may write"
            )
            warning = transport.ensure_private_dir(directory, remedy=remedy)
            if warning is not None:
                self.logger.warning("%s", warning)
            self._private_dirs.add(key)

    def progress(self, event: ProgressEvent) -> None:
        if self._progress is not None:
            self._progress(event)

    def close(self) -> None:
        self.pool.close()

    def __enter__(self) -> RunContext:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _quoted(argv: Sequence[str]) -> str:
    return shlex.join(argv)
