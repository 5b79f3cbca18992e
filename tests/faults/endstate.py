"""What a refresh must have left, whatever happened to it on the way: the matrix's end-state check.

* every pair of both clone sets Copied, activated after the case began (a new point in time);
* the archive logs (sync#2) activated after the data (sync#1): the database can recover;
* the database up;
* no run lock left (the case's lock directory empty) and no checkpoint left (a finished refresh
  removes its own);
* no slot taken of the service's Prefect limit `clonepilot-service-<svc>` nor of the array's
  `clonepilot-array-<sid>` (each case has an array of its own), and no refresh of the service shown
  running on the Prefect server (a killed run is marked Crashed by the run after it, which frees
  its slots);
* no process of the case left: none whose command line or environment names the case's directory
  (a killed run's commands, a temporary Prefect server it would have started).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from flows.concurrency import ARRAY_LIMIT_PREFIX, service_limit_name
from tests.faults.conftest import ARCH_PAIRS, DATA_PAIRS, World

# A command a killed run had started on the node runs to its end: a few control-action times.
PROCESS_GRACE = 20.0


def case_processes(marker: str) -> list[str]:
    """Processes (other than this one) whose command line or environment holds `marker`."""
    found: list[str] = []
    needle = marker.encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue  # gone meanwhile, or not ours to read
        if needle in cmdline or needle in environ:
            command = cmdline.replace(b"\0", b" ").decode(errors="replace")
            found.append(f"pid {entry.name}: {command}")
    return found


def wait_for_no_processes(marker: str, grace: float = PROCESS_GRACE) -> list[str]:
    """The case's processes still there after `grace` seconds (none: [])."""
    deadline = time.monotonic() + grace
    delay = 0.05
    while (left := case_processes(marker)) and time.monotonic() < deadline:
        time.sleep(delay)  # polling other processes' ends
        delay = min(delay * 2, 1.0)
    return left


def taken_slots(limit: str) -> int:
    """Taken slots of a Prefect global concurrency limit (0 when the limit was never created)."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            return int(client.read_global_concurrency_limit_by_name(limit).active_slots)
        except ObjectNotFound:
            return 0


def unfinished_runs(service: str) -> list[str]:
    """The service's refresh flow runs that the server does not show as ended."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[f"refresh {service}"]))
        )
    return [
        f"flow run {r.id} {r.state.type.value if r.state else 'without a state'}"
        for r in runs
        if r.state is None or not r.state.is_final()
    ]


def problems(world: World, *, processes: bool = True) -> list[str]:
    """What is wrong with the world now; [] when the refresh ended right."""
    found: list[str] = []
    pairs = world.pairs()
    for label, expected in (("sync#1", DATA_PAIRS), ("sync#2", ARCH_PAIRS)):
        for _, target in expected:
            pair = pairs.get(target)
            if pair is None:
                found.append(f"{label} {target}: no clone session")
            elif pair["state"] != "Copied" or pair["pit"] is None or pair["pit"] <= world.started:
                when = (
                    "none" if pair["pit"] is None else f"{pair['pit'] - world.started:+.2f} s from the start"
                )
                found.append(
                    f"{label} {target}: {pair['state']} {pair['percent']}%, point in time {when}"
                    " (want Copied, after the case's start)"
                )
    data = [pairs[t]["pit"] for _, t in DATA_PAIRS if pairs.get(t, {}).get("pit") is not None]
    logs = [pairs[t]["pit"] for _, t in ARCH_PAIRS if pairs.get(t, {}).get("pit") is not None]
    if data and logs and not max(data) < min(logs):
        found.append(f"archive logs activated {min(logs) - max(data):+.3f} s after the data (want > 0)")
    db = world.tool("symsim-host", "db", "status", "ORA")
    if db.returncode != 0:
        found.append(f"database not up: {(db.stdout + db.stderr).strip()}")
    if world.lock_dir.exists() and (locks := sorted(p.name for p in world.lock_dir.iterdir())):
        found.append(f"run lock left in {world.lock_dir}: {', '.join(locks)}")
    if checkpoints := sorted(p.name for p in world.state_dir.glob("*.checkpoint.json")):
        found.append(f"checkpoint left: {', '.join(checkpoints)}")
    for limit in (service_limit_name(world.service), f"{ARRAY_LIMIT_PREFIX}{world.sid}"):
        if slots := taken_slots(limit):
            found.append(f"Prefect limit {limit}: {slots} slot(s) taken")
    if running := unfinished_runs(world.service):
        found.append(f"refresh of {world.service} not ended on the Prefect server: {', '.join(running)}")
    if processes and (left := wait_for_no_processes(str(world.root))):
        shown = "; ".join(p[:200] for p in left)
        found.append(f"process(es) of the case left after {PROCESS_GRACE:.0f} s: {shown}")
    return found
