"""Who holds a run lock, and whether that holder can still be alive.

The record is written by the holder into each lock directory it takes and rewritten at each lease
renewal. Times are the holder's controller clock: another controller judges the lease with its own
clock, so a margin covers the skew NTP leaves between two controllers.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import time
import uuid
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

FORMAT = 1
# Skew allowed between two controllers' clocks before a lease counts as expired.
CLOCK_MARGIN = 5.0


def process_start(pid: int) -> str | None:
    """The start time of a local process (clock ticks since boot, /proc), None where unknown.

    With the pid it tells a live holder from an unrelated process that got its pid later.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else None


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    return True


@dataclass(frozen=True)
class Holder:
    """One run holding the locks of a service and of the target devices it changes."""

    token: str
    service: str
    action: str
    controller: str
    pid: int
    user: str
    started: float
    renewed: float
    lease: float
    pid_start: str | None = None
    run_name: str = ""
    flow_run_id: str | None = None
    prefect_api: str | None = None
    keys: tuple[str, ...] = field(default_factory=tuple)
    # Prefect leases of the run's slots: whoever takes over a dead holder gives them back.
    prefect_leases: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def for_this_process(
        cls,
        service: str,
        action: str,
        *,
        lease: float,
        keys: tuple[str, ...],
        run_name: str = "",
        flow_run_id: str | None = None,
        prefect_api: str | None = None,
    ) -> Holder:
        now = time.time()
        pid = os.getpid()
        return cls(
            token=uuid.uuid4().hex,
            service=service,
            action=action,
            controller=socket.gethostname(),
            pid=pid,
            user=getpass.getuser(),
            started=now,
            renewed=now,
            lease=lease,
            pid_start=process_start(pid),
            run_name=run_name,
            flow_run_id=flow_run_id,
            prefect_api=prefect_api,
            keys=keys,
        )

    def renewed_now(self) -> Holder:
        return replace(self, renewed=time.time())

    def to_json(self) -> str:
        data = asdict(self)
        data["format"] = FORMAT
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Holder | None:
        """The record, or None if it is not one (half written, another format, garbage)."""
        try:
            data = json.loads(text)
        except ValueError:
            return None
        if not isinstance(data, dict) or data.pop("format", None) != FORMAT:
            return None
        data["keys"] = tuple(data.get("keys") or ())
        data["prefect_leases"] = tuple(data.get("prefect_leases") or ())
        try:
            return cls(**data)
        except TypeError:
            return None

    def describe(self) -> str:
        """The holder as an operator needs to find it: which run, where, since when."""
        run = f"'{self.run_name}'" if self.run_name else f"{self.action} of {self.service}"
        flow_run = f"flow run {self.flow_run_id}, " if self.flow_run_id else ""
        since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.started))
        return f"{run} ({flow_run}pid {self.pid} on {self.controller} as {self.user}, running since {since})"


def dead_because(holder: Holder, *, now: float | None = None, here: str | None = None) -> str | None:
    """Why the holder cannot be alive any more, or None while it may be.

    Its process is known gone only on its own controller; elsewhere its lease tells.
    """
    now = time.time() if now is None else now
    here = socket.gethostname() if here is None else here
    overdue = now - (holder.renewed + holder.lease + CLOCK_MARGIN)
    if overdue > 0:
        silent = now - holder.renewed
        return f"its lease expired {overdue + CLOCK_MARGIN:.0f} s ago (not renewed for {silent:.0f} s)"
    if holder.controller == here:
        if not pid_alive(holder.pid):
            return f"its process {holder.pid} on {here} is gone"
        if holder.pid_start is not None and process_start(holder.pid) not in (None, holder.pid_start):
            return f"its process {holder.pid} on {here} is gone (the pid now belongs to another process)"
    return None
