"""One run of an action on one service: its transports, its journal of commands, its sinks.

Every command of a run goes through `RunContext.run`, so the journal holds exactly what ran,
where, with which exit code and for how long; that is what the summary and the Prefect
artifacts show, and what `--dry-run` prints.
"""

from __future__ import annotations

import logging
import shlex
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType

from clonepilot.config.models import Service
from clonepilot.nodes import NodeAddress
from clonepilot.settings import Settings
from clonepilot.symcli.pairsfile import DEFAULT_PAIRS_DIR
from clonepilot.transport import CommandResult, SSHOptions, TransportPool

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
        pairs_dir: str = DEFAULT_PAIRS_DIR,
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
        # Where symclone pairs files are written on the symcli node (tests point it at a tmp dir).
        self.pairs_dir = pairs_dir

    @property
    def symcli_bin(self) -> str:
        return str(self.settings.symcli_bin)

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
        """Write a file (a pairs file) on node. Also done in dry runs: it changes nothing on the array."""
        self.pool.get(node).write_file(path, content)

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
