"""The fault matrix's table: one row per case, printed at the end of the session (conftest.py)."""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass
class Row:
    case: str
    first: str  # how the first run ended
    reruns: int | None  # 0, 1, or None: still wrong after the rerun (would need a hand)
    wall: float
    note: str = ""


ROWS: list[Row] = []
_started: list[float] = []


def record(row: Row) -> None:
    ROWS.append(row)


def started() -> None:
    if not _started:
        _started.append(time.monotonic())


def table() -> list[str]:
    if not ROWS:
        return []
    width = max(len(r.case) for r in ROWS)
    first_width = max(len(r.first) for r in ROWS)
    lines = [f"{'case':<{width}}  {'first run':<{first_width}}  reruns  wall    note"]
    for r in ROWS:
        reruns = "hand!" if r.reruns is None else str(r.reruns)
        lines.append(f"{r.case:<{width}}  {r.first:<{first_width}}  {reruns:<6}  {r.wall:5.1f}s  {r.note}")
    zero = sum(1 for r in ROWS if r.reruns == 0)
    one = sum(1 for r in ROWS if r.reruns == 1)
    hand = sum(1 for r in ROWS if r.reruns is None)
    elapsed = time.monotonic() - _started[0] if _started else 0.0
    lines.append(
        f"{len(ROWS)} case(s): {zero} ended right with no rerun, {one} after one rerun,"
        f" {hand} needing a hand;"
        f" {elapsed:.0f} s from the first case's start"
    )
    return lines
