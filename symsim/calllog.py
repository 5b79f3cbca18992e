"""Append-only log of every simulated symcli call: one JSON line each, written with O_APPEND.

A single write() of a line shorter than the pipe/page limits is atomic on a local file opened with
O_APPEND, so concurrent processes never interleave their records.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

CALLS_FILE = "calls.jsonl"


def record(home: Path, tool: str, argv: list[str], start: float, end: float, exit_code: int) -> None:
    line = json.dumps(
        {
            "tool": tool,
            "argv": list(argv),
            "start": start,
            "end": end,
            "exit_code": exit_code,
            "pid": os.getpid(),
        },
        separators=(",", ":"),
    )
    data = (line + "\n").encode()
    fd = os.open(Path(home) / CALLS_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def read(home: Path) -> list[dict[str, Any]]:
    try:
        text = (Path(home) / CALLS_FILE).read_text()
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def clear(home: Path) -> None:
    # Truncate in place rather than unlink so writers holding the path keep appending to the live log.
    path = Path(home) / CALLS_FILE
    if path.exists():
        os.truncate(path, 0)
