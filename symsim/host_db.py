"""The simulated database: starts only on a recoverable image, and notices storage pulled from under it.

A database started from a clone must roll its datafiles forward with the archived logs. That works
only if every datafile holds the same point in time (one consistent activate) and the archived logs
reach at least that moment. The start prints every device's point in time it compared, so an operator
can see which clone step went wrong.
"""

from __future__ import annotations

import time
from pathlib import Path

from symsim.host_disks import LIVE, Disk, Image, Pit, iso, vg_disks
from symsim.host_store import HostError, HostState


def _numeric(pit: Pit, now: float) -> float:
    # A live device holds data up to this very moment.
    return now if pit == LIVE else float(pit)  # type: ignore[arg-type]


def _disks_by_mount(home: Path, state: HostState, mounts: list[str], name: str) -> dict[str, list[Disk]]:
    by_vg: dict[str, list[Disk]] = {}
    result: dict[str, list[Disk]] = {}
    for mnt in mounts:
        record = state["mounts"].get(mnt)
        if record is None:
            raise HostError(f"db {name}: cannot start: {mnt} is not a mounted file system")
        vg_name = record["vg"]
        if vg_name not in by_vg:
            by_vg[vg_name] = vg_disks(home, state["vgs"][vg_name])
        result[mnt] = by_vg[vg_name]
    return result


def _table(kind: str, disks_by_mount: dict[str, list[Disk]], state: HostState, now: float) -> list[str]:
    lines = []
    for mnt, disks in disks_by_mount.items():
        dev = state["mounts"][mnt]["dev"]
        for disk in disks:
            extra = f" ({disk.problem})" if disk.problem else ""
            lines.append(f"  {kind:<4} {mnt:<20} {dev:<24} {disk.key:<19} {iso(disk.pit, now)}{extra}")
    return lines


def db_start(home: Path, state: HostState, name: str, data: list[str], logs: list[str]) -> int:
    if not data:
        raise HostError("symsim-host: db start needs at least one --data MOUNT", 2)
    current = state["dbs"].get(name)
    if current is not None and current["running"]:
        raise HostError(f"db {name}: already running (started {iso(current['started'])})")
    data_disks = _disks_by_mount(home, state, data, name)
    log_disks = _disks_by_mount(home, state, logs, name)
    now = time.time()
    report = [f"db {name}: point in time of each device (UTC):"]
    report += _table("data", data_disks, state, now) + _table("logs", log_disks, state, now)

    all_disks = [d for ds in list(data_disks.values()) + list(log_disks.values()) for d in ds]
    unusable = sorted({d.key: d for d in all_disks if d.pit is None}.values(), key=lambda d: d.key)
    if unusable:
        detail = ", ".join(f"{d.key} {d.problem}" for d in unusable)
        raise HostError(
            "\n".join(report)
            + "\nORA-01157: cannot identify/lock data file\n"
            + f"db {name}: cannot start: device(s) unusable: {detail}"
        )

    data_pits = {_numeric(d.pit, now) for ds in data_disks.values() for d in ds}
    oldest_data, newest_data = min(data_pits), max(data_pits)
    if len(data_pits) > 1:
        raise HostError(
            "\n".join(report) + "\nORA-01113: file needs media recovery\n"
            f"db {name}: cannot start: inconsistent image: the data devices hold different points in time,"
            f" from {iso(oldest_data)} to {iso(newest_data)} ({newest_data - oldest_data:.6f} s apart);"
            " the clone was not activated consistently (activate -consistent)"
        )
    if log_disks:
        log_end = min(_numeric(d.pit, now) for ds in log_disks.values() for d in ds)
        if log_end < newest_data:
            raise HostError(
                "\n".join(report)
                + "\nORA-01195: online backup of file 1 needs more recovery to be consistent\n"
                f"db {name}: cannot start: recovery impossible: the archived logs end at {iso(log_end)},"
                f" before the datafiles' checkpoint at {iso(newest_data)}"
                " (the logs were activated before the data)"
            )
    image: Image = {d.key: d.pit for d in all_disks}
    state["dbs"][name] = {
        "running": True,
        "data": list(data),
        "logs": list(logs),
        "image": image,
        "started": now,
    }
    print("\n".join(report))
    print(f"db {name}: started (datafiles at {iso(newest_data, now)})")
    return 0


def db_problems(home: Path, state: HostState, name: str) -> list[str]:
    """Why a running database has lost its storage; empty while its devices still hold its image."""
    record = state["dbs"][name]
    problems: list[str] = []
    seen: set[str] = set()
    for mnt in record["data"] + record["logs"]:
        mount = state["mounts"].get(mnt)
        if mount is None:
            problems.append(f"{mnt} is no longer mounted")
            continue
        if mount["vg"] in seen:
            continue
        seen.add(mount["vg"])
        for disk in vg_disks(home, state["vgs"][mount["vg"]]):
            before = record["image"].get(disk.key)
            if disk.pit is None:
                problems.append(f"Symmetrix {disk.key} is {disk.problem} (storage pulled from under it)")
            elif disk.key in record["image"] and before != disk.pit:
                problems.append(
                    f"Symmetrix {disk.key} point in time changed from {iso(before)} to {iso(disk.pit)}"
                    " (storage replaced under it)"
                )
    return problems


def db_stop(home: Path, state: HostState, name: str) -> int:
    record = state["dbs"].get(name)
    if record is None or not record["running"]:
        raise HostError(f"db {name}: not running\nORA-01034: ORACLE not available")
    problems = db_problems(home, state, name)
    record["running"] = False
    record["stopped"] = time.time()
    if problems:
        print(f"db {name}: instance had already failed ({'; '.join(problems)}); shutdown abort done")
    else:
        print(f"db {name}: stopped")
    return 0


def db_status(home: Path, state: HostState, name: str) -> int:
    record = state["dbs"].get(name)
    if record is None or not record["running"]:
        print(f"db {name}: down (not running)")
        return 1
    problems = db_problems(home, state, name)
    if problems:
        print(f"db {name}: down ({'; '.join(problems)})")
        return 1
    print(f"db {name}: up (running since {iso(record['started'])})")
    return 0
