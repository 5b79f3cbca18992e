"""Creating arrays and their devices (`symsim init`) and tuning their speed (`symsim speed`)."""

from __future__ import annotations

import re
import time
from typing import Any

from symsim import model, timemodel
from symsim.errors import SymError
from symsim.store import DEFAULT_TRACKS_PER_SEC, DEFAULT_WRITE_RATE

SID_RE = re.compile(r"^\d{12}$")


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


def init_array(state: dict[str, Any], sid: str, specs: list[str], size_gb: float) -> dict[str, Any]:
    if not SID_RE.match(sid):
        raise SymError(f"symsim: the Symmetrix ID must be 12 digits, got '{sid}'")
    if size_gb <= 0:
        raise SymError("symsim: --size-gb must be positive")
    numbers, width = parse_dev_specs(specs)
    now = time.time()
    timemodel.advance(state, now)
    array = state["arrays"].get(sid)
    if array is None:
        array = {
            "sid": sid,
            "width": width,
            "model": "PowerMax_8000" if width == 5 else "VMAX-1",
            "mcode": "5978" if width == 5 else "5876",
            "tracks_per_sec": DEFAULT_TRACKS_PER_SEC,
            "write_rate": DEFAULT_WRITE_RATE,
            "updated": now,
            "devices": {},
            "pairs": {},
            "locks": {},
        }
        state["arrays"][sid] = array
    tracks = max(1, round(size_gb * model.TRACKS_PER_GB))
    for number in numbers:
        name = model.fmt_dev(array, number)
        if len(name) > array["width"]:
            raise SymError(f"symsim: device {name} is wider than this array's {array['width']}-digit ids")
        array["devices"].setdefault(name, {"id": name, "size_gb": size_gb, "tracks": tracks})
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
