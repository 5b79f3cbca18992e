"""Creating arrays and their devices (`symsim init`) and tuning their speed (`symsim speed`)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from symsim import model, timemodel
from symsim.errors import SymError
from symsim.store import DEFAULT_TRACKS_PER_SEC, DEFAULT_WRITE_RATE

SID_RE = re.compile(r"^\d{12}$")
# What `symcfg list` shows for an array nobody described: 1 TB of cache, three gatekeepers visible.
DEFAULT_CACHE_MB = 1048576
DEFAULT_PHYS_DEVICES = 3


def parse_dev_specs(specs: list[str]) -> tuple[list[int], int]:
    """`00100-001FF`, `1234,4321`, repeated: device numbers and the zero-padded width they were typed in."""
    numbers: list[int] = []
    width = 0
    for spec in specs:
        for part in spec.split(","):
            part = part.strip()
            if not part:
                continue
            low_text, sep, high_text = part.partition("-")
            if not sep:
                low_text, sep, high_text = part.partition(":")
            low = model.parse_dev(low_text)
            high = model.parse_dev(high_text) if sep else low
            if high < low:
                raise SymError(f"symsim: empty device range '{part}'")
            width = max(width, len(low_text.strip()), len(high_text.strip()) if sep else 0)
            numbers.extend(range(low, high + 1))
    if not numbers:
        raise SymError("symsim: no devices given (--devs 00100-001FF)")
    # Old arrays print 4 hex digits (1234), VMAX/PowerMax 5 (00B60): keep the width the user typed.
    return numbers, 5 if width >= 5 or max(numbers) > 0xFFFF else 4


@dataclass(frozen=True)
class ArraySpec:
    """What `symsim init` may say about an array beyond its devices (defaults: a PowerMax, or a
    VMAX-1 for 4-digit ids). Only applied when the array is created; devices take size and config."""

    size_gb: float = 10.0
    size_mb: float | None = None
    config: str | None = None
    track_kb: int | None = None
    model: str | None = None
    mcode: str | None = None
    cache_mb: int | None = None
    phys_devices: int | None = None
    attachment: str | None = None


def init_array(
    state: dict[str, Any], sid: str, specs: list[str], size_gb: float, spec: ArraySpec | None = None
) -> dict[str, Any]:
    spec = spec or ArraySpec(size_gb=size_gb)
    if not SID_RE.match(sid):
        raise SymError(f"symsim: the Symmetrix ID must be 12 digits, got '{sid}'")
    size_gb = spec.size_gb
    if size_gb <= 0 or (spec.size_mb is not None and spec.size_mb <= 0):
        raise SymError("symsim: --size-gb must be positive")
    if spec.track_kb is not None and spec.track_kb not in (64, 128):
        raise SymError("symsim: --track-kb is 64 (VMAX/DMX) or 128 (VMAX3/PowerMax)")
    if spec.attachment is not None and spec.attachment not in ("Local", "Remote"):
        raise SymError("symsim: --attachment is Local or Remote")
    numbers, width = parse_dev_specs(specs)
    now = time.time()
    timemodel.advance(state, now)
    array = state["arrays"].get(sid)
    if array is None:
        array = {
            "sid": sid,
            "seq": len(state["arrays"]),
            "width": width,
            "model": spec.model or ("PowerMax_8000" if width == 5 else "VMAX-1"),
            "mcode": spec.mcode or ("5978" if width == 5 else "5876"),
            "cache_mb": spec.cache_mb if spec.cache_mb is not None else DEFAULT_CACHE_MB,
            "phys_devices": spec.phys_devices if spec.phys_devices is not None else DEFAULT_PHYS_DEVICES,
            "attachment": spec.attachment or "Local",
            "track_kb": spec.track_kb or model.TRACK_KB,
            "tracks_per_sec": DEFAULT_TRACKS_PER_SEC,
            "write_rate": DEFAULT_WRITE_RATE,
            "updated": now,
            "devices": {},
            "pairs": {},
            "locks": {},
        }
        state["arrays"][sid] = array
    track_kb = model.track_kb(array)
    size_mb = spec.size_mb if spec.size_mb is not None else size_gb * 1024
    tracks = max(1, round(size_mb * 1024 / track_kb))
    for number in numbers:
        name = model.fmt_dev(array, number)
        if len(name) > array["width"]:
            raise SymError(f"symsim: device {name} is wider than this array's {array['width']}-digit ids")
        device = {"id": name, "size_gb": size_mb / 1024, "tracks": tracks}
        if spec.config:
            device["config"] = spec.config
        array["devices"].setdefault(name, device)
    return array


def set_speed(
    state: dict[str, Any],
    *,
    tracks_per_sec: float | None,
    sid: str | None,
    time_scale: float | None,
    write_rate: float | None,
    op_time: float | None,
) -> None:
    # Settle progress under the old speed first, so a change only affects the future.
    timemodel.advance(state, time.time())
    targets = [model.get_array(state, sid)] if sid else list(state["arrays"].values())
    for value, what in ((tracks_per_sec, "tracks per second"), (time_scale, "time scale")):
        if value is not None and value <= 0:
            raise SymError(f"symsim: the {what} must be positive")
    for array in targets:
        if tracks_per_sec is not None:
            array["tracks_per_sec"] = tracks_per_sec
        if write_rate is not None:
            array["write_rate"] = write_rate
    if time_scale is not None:
        state["time_scale"] = time_scale
    if op_time is not None:
        state["op_time"] = op_time
