"""Dates as SYMCLI prints them: C asctime, whose day of month is space-padded (`Dec  1`)."""

from __future__ import annotations

import time


def asctime(epoch: float, padding: str = "space") -> str:
    """`Fri Dec  1 10:12:08 2023` (real captures), or `Fri Dec 01 ...` with padding 'zero'."""
    local = time.localtime(epoch)
    if padding == "zero":
        return time.strftime("%a %b %d %H:%M:%S %Y", local)
    return time.asctime(local)
