"""The seed's schedule syntax, e.g. `["00:00-01:00@61 mon", "02:00-03:00@61 tue-sun"]`.

Each entry is `HH:MM-HH:MM[@minutes] [days]`: a time window, an optional interval between runs
inside the window, and the days of week it applies to (every day when omitted). A window whose
end is before its start crosses midnight. The value may also be a single entry without brackets.
"""

from __future__ import annotations

import json
import re
from datetime import time

from pydantic import BaseModel, ConfigDict

DAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_LONG_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_TIME = r"(?P<{0}h>[0-9]{{1,2}}):(?P<{0}m>[0-9]{{2}})"
_ENTRY_RE = re.compile(
    rf"^{_TIME.format('s')}-{_TIME.format('e')}(?:@(?P<interval>[0-9]+))?(?:\s+(?P<days>\S+))?$"
)


class ScheduleSyntaxError(ValueError):
    """A schedule value that does not follow the syntax above."""


class ScheduleWindow(BaseModel):
    """One schedule entry: run in [start, end) on the given days, every `interval_minutes` if set."""

    model_config = ConfigDict(frozen=True)

    start: time
    end: time
    interval_minutes: int | None = None
    # ISO weekday numbers, Monday = 1 … Sunday = 7, sorted, no duplicates.
    days: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7)

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start

    @property
    def day_names(self) -> tuple[str, ...]:
        return tuple(DAY_NAMES[day - 1] for day in self.days)

    def __str__(self) -> str:
        text = f"{self.start:%H:%M}-{self.end:%H:%M}"
        if self.interval_minutes is not None:
            text += f"@{self.interval_minutes}"
        if self.days != (1, 2, 3, 4, 5, 6, 7):
            text += " " + ",".join(self.day_names)
        return text


class Schedule(BaseModel):
    """A resource's synchronization schedule: the union of its windows."""

    model_config = ConfigDict(frozen=True)

    windows: tuple[ScheduleWindow, ...]

    def __str__(self) -> str:
        return json.dumps([str(window) for window in self.windows])


def _day_number(name: str, entry: str) -> int:
    lowered = name.lower()
    if lowered in DAY_NAMES:
        return DAY_NAMES.index(lowered) + 1
    if lowered in _LONG_DAY_NAMES:
        return _LONG_DAY_NAMES.index(lowered) + 1
    expected = ", ".join(DAY_NAMES)
    raise ScheduleSyntaxError(f"{entry!r}: {name!r} is not a day of week (expected one of {expected})")


def _parse_days(text: str, entry: str) -> tuple[int, ...]:
    if text == "*":
        return (1, 2, 3, 4, 5, 6, 7)
    days: set[int] = set()
    for part in text.split(","):
        if not part:
            raise ScheduleSyntaxError(f"{entry!r}: empty item in the day list {text!r}")
        first, sep, last = part.partition("-")
        start = _day_number(first, entry)
        if not sep:
            days.add(start)
            continue
        end = _day_number(last, entry)
        # A range such as `sat-mon` wraps over the end of the week, as in cron.
        span = (end - start) % 7
        days.update((start - 1 + offset) % 7 + 1 for offset in range(span + 1))
    return tuple(sorted(days))


def _parse_time(hours: str, minutes: str, entry: str) -> time:
    h, m = int(hours), int(minutes)
    if h > 23 or m > 59:
        raise ScheduleSyntaxError(f"{entry!r}: {hours}:{minutes} is not a time of day (00:00 to 23:59)")
    return time(h, m)


def parse_window(entry: str) -> ScheduleWindow:
    """Parse one entry such as `02:00-03:00@61 tue-sun`."""
    text = entry.strip()
    match = _ENTRY_RE.fullmatch(text)
    if not match:
        raise ScheduleSyntaxError(
            f"{entry!r} is not a schedule entry: expected 'HH:MM-HH:MM[@minutes] [days]', "
            "e.g. '02:00-03:00@61 tue-sun'"
        )
    start = _parse_time(match["sh"], match["sm"], entry)
    end = _parse_time(match["eh"], match["em"], entry)
    if start == end:
        raise ScheduleSyntaxError(f"{entry!r}: the window is empty (start equals end)")
    interval = int(match["interval"]) if match["interval"] is not None else None
    if interval is not None and interval < 1:
        raise ScheduleSyntaxError(f"{entry!r}: the interval must be at least 1 minute")
    days = _parse_days(match["days"], entry) if match["days"] else (1, 2, 3, 4, 5, 6, 7)
    return ScheduleWindow(start=start, end=end, interval_minutes=interval, days=days)


def parse_schedule(text: str) -> Schedule:
    """Parse a schedule value: a JSON-style list of entries, or one bare entry."""
    value = text.strip()
    if not value:
        raise ScheduleSyntaxError("empty schedule")
    entries: list[str]
    if value.startswith("["):
        try:
            loaded = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ScheduleSyntaxError(f"{value!r} is not a list of quoted entries: {exc.msg}") from None
        if not isinstance(loaded, list) or not all(isinstance(item, str) for item in loaded):
            raise ScheduleSyntaxError(f"{value!r} must be a list of strings")
        if not loaded:
            raise ScheduleSyntaxError("empty schedule list")
        entries = loaded
    else:
        entries = [value]
    return Schedule(windows=tuple(parse_window(entry) for entry in entries))
