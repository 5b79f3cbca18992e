"""What the host sees on the disks of its volume groups: readiness and point in time, via symsim.api.

An "image" maps "SID:DEV" to the point in time of the data on that device: epoch seconds for a frozen
clone image, LIVE for a device whose data is being written right now (a source, or a plain device), or
None when the host cannot read it (Not Ready, or gone from the array).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from symsim import api

LIVE = "live"

Pit = float | str | None
Image = dict[str, Pit]


@dataclass(frozen=True)
class Disk:
    key: str  # "SID:DEV"
    pv: str  # host path of the physical volume, /dev/disk/diskN
    visible: bool  # the array still has this device
    ready: bool
    pit: Pit
    role: str
    problem: str  # why the host cannot use it ("" when it can)


def iso(pit: Pit, now: float | None = None) -> str:
    """A point in time as an operator reads it: ISO 8601 UTC to the microsecond."""
    if pit is None:
        return "none"
    if pit == LIVE:
        when = now if now is not None else time.time()
        return f"live (now {datetime.fromtimestamp(when, UTC).isoformat(timespec='microseconds')})"
    return datetime.fromtimestamp(float(pit), UTC).isoformat(timespec="microseconds")


def vg_disks(home: Path, vg: dict[str, Any]) -> list[Disk]:
    """Ask the array about every device of a volume group, in one look-up."""
    sid: str = vg["sid"]
    devs: list[str] = vg["devs"]
    started = time.time()
    try:
        views = api.device_views(home, sid, devs)
    except api.SymsimError as exc:
        # The array or a device is gone: the host sees none of the volume group's disks reliably, so
        # ask device by device to tell which ones vanished.
        return [_one_disk(home, vg, dev, started, str(exc)) for dev in devs]
    return [_disk(vg, view, started) for view in views]


def _one_disk(home: Path, vg: dict[str, Any], dev: str, started: float, vg_error: str) -> Disk:
    try:
        (view,) = api.device_views(home, vg["sid"], [dev])
    except api.SymsimError as exc:
        return Disk(
            key=f"{vg['sid']}:{dev}",
            pv=vg["pvs"][dev],
            visible=False,
            ready=False,
            pit=None,
            role="none",
            problem=f"not visible: {exc or vg_error}",
        )
    return _disk(vg, view, started)


def _disk(vg: dict[str, Any], view: api.DeviceView, started: float) -> Disk:
    pit: Pit = view.pit
    # The array reports a live device's pit as "now" at the moment it answered, which is never earlier
    # than our call; a frozen clone image always predates it.
    if view.pit is not None and view.role != "target" and view.pit >= started:
        pit = LIVE
    problem = ""
    if not view.ready:
        pit = None
        problem = "Not Ready"
    elif pit is None:
        problem = "holds no point-in-time image"
    return Disk(
        key=f"{view.sid}:{view.dev}",
        pv=vg["pvs"].get(view.dev, "?"),
        visible=True,
        ready=view.ready,
        pit=pit,
        role=view.role,
        problem=problem,
    )


def image_of(disks: list[Disk]) -> Image:
    return {d.key: d.pit for d in disks}


def is_clone_image(disks: list[Disk]) -> bool:
    """Data frozen from a source that was in use: a crash image that needs a log replay (fsck)."""
    return any(d.role == "target" or (d.pit not in (None, LIVE)) for d in disks)
