"""The seed's `schedule` keyword converted into Prefect cron schedules that fire at the same moments.

Semantics of one entry `HH:MM-HH:MM[@interval] [days]` (see clonepilot.config.schedule):

* the window is `[start, end)` in wall-clock time of the given timezone; an end at or before the
  start means the window crosses midnight and its part after midnight belongs to the next day
  (`22:00-02:00 mon` covers Monday 22:00 to Tuesday 02:00);
* a run fires at the window start, then every `interval` minutes while strictly inside the window;
  without an interval (OpenSVC: "the default interval is the duration of the time range") it fires
  once, at the start; an interval as long as the window or longer also means once per window;
* the entries of a list are a union: a moment several entries produce fires once.

A week of these moments is what Prefect must reproduce. Cron is used rather than RRULE because, in a
timezone with daylight saving time, Prefect 3.9 moves an RRULE occurrence that falls in the spring
gap *back* an hour (02:30 → 01:30) while a cron occurrence moves forward; neither is the seed's
meaning, so moments that a DST change touches are refused anyway (see `_dst_conflicts`).

What cannot be expressed exactly is refused with `ScheduleConversionError`, never approximated:

* a moment that comes sooner after the previous run than its window's interval: OpenSVC's `@interval`
  is a minimum delay since the last run, so overlapping windows, or an interval that carries over to
  the next window (e.g. `00:00-23:00@1000`), would shift runs in ways no fixed weekly schedule shows;
* a moment at a wall-clock time that a DST change skips or repeats in the timezone;
* an unknown timezone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from prefect.client.schemas.schedules import is_valid_timezone
from prefect.schedules import Cron
from prefect.schedules import Schedule as PrefectSchedule

from clonepilot.config.schedule import DAY_NAMES, Schedule, ScheduleWindow

DAY_MINUTES = 24 * 60
WEEK_MINUTES = 7 * DAY_MINUTES

# Years scanned for daylight-saving changes. A fixed span keeps `convert` a pure function of its
# arguments (no clock); it covers the life of any deployment built today with tzdata's current rules.
DST_SCAN_YEARS = (2026, 2100)


class ScheduleConversionError(ValueError):
    """A schedule that Prefect cannot reproduce exactly; the message says why and what to change."""


@dataclasses.dataclass(frozen=True, order=True)
class Moment:
    """A firing moment within the week, in wall-clock time: ISO weekday (1 = Monday), hour, minute."""

    day: int
    hour: int
    minute: int

    @classmethod
    def from_week_minute(cls, week_minute: int) -> Moment:
        day, minute_of_day = divmod(week_minute % WEEK_MINUTES, DAY_MINUTES)
        return cls(day + 1, *divmod(minute_of_day, 60))

    @property
    def week_minute(self) -> int:
        return (self.day - 1) * DAY_MINUTES + self.hour * 60 + self.minute

    def __str__(self) -> str:
        return f"{DAY_NAMES[self.day - 1]} {self.hour:02d}:{self.minute:02d}"


def _minute_of_day(value: dt.time) -> int:
    return value.hour * 60 + value.minute


def window_length(window: ScheduleWindow) -> int:
    """Minutes from start to end; a window crossing midnight ends on the next day."""
    return (_minute_of_day(window.end) - _minute_of_day(window.start)) % DAY_MINUTES or DAY_MINUTES


def window_interval(window: ScheduleWindow) -> int:
    """Minimum minutes between two runs: the `@interval`, else the window length (once per window)."""
    return window.interval_minutes if window.interval_minutes is not None else window_length(window)


def window_moments(window: ScheduleWindow) -> list[int]:
    """The minutes of the week (0 = Monday 00:00) at which one window fires, sorted."""
    length, step = window_length(window), window_interval(window)
    moments = {
        ((day - 1) * DAY_MINUTES + _minute_of_day(window.start) + offset) % WEEK_MINUTES
        for day in window.days
        for offset in range(0, length, step)
    }
    return sorted(moments)


def weekly_moments(schedule: Schedule) -> list[Moment]:
    """Every moment of the week the schedule fires at, sorted; refuses what OpenSVC would shift.

    OpenSVC runs a task inside a window only if the last run is at least the window's interval ago.
    The moments above satisfy that rule exactly when each of them is at least the interval of one
    window that produces it after the moment before it (any window, wrapping over the week); then no
    window can fire between two of them either, because inside a window the next allowed minute after
    a run is always one of that window's own moments. Otherwise the real runs would drift.
    """
    producers: dict[int, list[ScheduleWindow]] = defaultdict(list)
    for window in schedule.windows:
        for week_minute in window_moments(window):
            producers[week_minute].append(window)
    ordered = sorted(producers)
    for index, week_minute in enumerate(ordered):
        previous = ordered[index - 1]
        gap = (week_minute - previous) % WEEK_MINUTES or WEEK_MINUTES
        windows = producers[week_minute]
        if any(gap >= window_interval(window) for window in windows):
            continue
        window = windows[0]
        if gap == WEEK_MINUTES:
            reason = "a weekly schedule cannot wait longer than a week between two runs"
        else:
            reason = (
                f"it comes {gap} min after the run at {Moment.from_week_minute(previous)}, and OpenSVC "
                "would wait for the interval since that run, so this run would move"
            )
        raise ScheduleConversionError(
            f"schedule entry {str(window)!r}: the run at {Moment.from_week_minute(week_minute)} needs "
            f"{window_interval(window)} min since the previous run, but {reason}; make the windows not "
            "overlap and the interval no longer than the time until the window opens again"
        )
    return [Moment.from_week_minute(week_minute) for week_minute in ordered]


def _utc_offset(zone: ZoneInfo, timestamp: int) -> int:
    offset = dt.datetime.fromtimestamp(timestamp, zone).utcoffset()
    assert offset is not None
    return int(offset.total_seconds())


@lru_cache(maxsize=32)
def _dst_conflicts(timezone: str) -> dict[int, tuple[dt.date, str]]:
    """Minutes of the week whose wall-clock time a UTC offset change skips or repeats, on some date
    within DST_SCAN_YEARS → (first such date, 'skipped' or 'repeated')."""
    zone = ZoneInfo(timezone)
    day = 86400
    first = int(dt.datetime(DST_SCAN_YEARS[0], 1, 1, tzinfo=dt.UTC).timestamp())
    last = int(dt.datetime(DST_SCAN_YEARS[1], 1, 1, tzinfo=dt.UTC).timestamp())
    conflicts: dict[int, tuple[dt.date, str]] = {}
    # Offsets change at most a few times a year and never twice within a day: a daily scan finds
    # the day, a bisection finds the second.
    for start in range(first, last, day):
        before, after = _utc_offset(zone, start), _utc_offset(zone, start + day)
        if before == after:
            continue
        low, high = start, start + day  # offset(low) == before, offset(high) == after
        while high - low > 1:
            middle = (low + high) // 2
            if _utc_offset(zone, middle) == before:
                low = middle
            else:
                high = middle
        wall_before = dt.datetime.fromtimestamp(high, dt.UTC).replace(tzinfo=None) + dt.timedelta(
            seconds=before
        )
        wall_after = wall_before + dt.timedelta(seconds=after - before)
        kind = "skipped" if after > before else "repeated"
        wall, stop = min(wall_before, wall_after), max(wall_before, wall_after)
        # Any minute whose [m, m+1) overlaps the skipped or repeated range is touched.
        wall = wall.replace(second=0)
        while wall < stop:
            week_minute = wall.weekday() * DAY_MINUTES + wall.hour * 60 + wall.minute
            conflicts.setdefault(week_minute, (wall.date(), kind))
            wall += dt.timedelta(minutes=1)
    return conflicts


def check_timezone(timezone: str) -> None:
    """Refuse a timezone name Prefect or zoneinfo does not know."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleConversionError(
            f"unknown timezone {timezone!r}: use an IANA name such as 'UTC'"
        ) from None
    if not is_valid_timezone(timezone):
        raise ScheduleConversionError(f"Prefect does not accept the timezone {timezone!r}")


def check_dst(moments: Iterable[Moment], timezone: str) -> None:
    """Refuse moments whose wall-clock time a daylight-saving change skips or repeats: the seed's
    wall-clock meaning (no run, or a run per pass) is not what Prefect does (it shifts or runs once)."""
    conflicts = _dst_conflicts(timezone)
    for moment in moments:
        if moment.week_minute in conflicts:
            date, kind = conflicts[moment.week_minute]
            raise ScheduleConversionError(
                f"the run at {moment} ({timezone}) falls in the hour that a daylight-saving change "
                f"{kind} on {date:%a %Y-%m-%d}, which Prefect cannot reproduce; use a timezone without "
                "daylight saving time (e.g. UTC) or move the window out of that hour"
            )


def _list_field(values: Iterable[int]) -> str:
    """A cron field: sorted values, runs of three or more written as ranges (`1-5`)."""
    ordered = sorted(set(values))
    parts: list[str] = []
    index = 0
    while index < len(ordered):
        end = index
        while end + 1 < len(ordered) and ordered[end + 1] == ordered[end] + 1:
            end += 1
        if end - index >= 2:
            parts.append(f"{ordered[index]}-{ordered[end]}")
        else:
            parts.extend(str(value) for value in ordered[index : end + 1])
        index = end + 1
    return ",".join(parts)


def _days_field(days: Iterable[int]) -> str:
    # ISO 1-7 (Monday-Sunday) → cron 0-6 (Sunday = 0).
    unique = set(days)
    return "*" if len(unique) == 7 else _list_field(day % 7 for day in unique)


def moments_to_crons(moments: Iterable[Moment]) -> list[str]:
    """Cron lines (minute hour * * weekday) that together fire at exactly these moments, each once.

    One cron line is a product of its minute, hour and day lists, so moments are grouped: by the set
    of days a time of day fires on, then by the set of minutes an hour fires at. The groups partition
    the moments, so no two lines share a moment (no double run).
    """
    days_by_time: dict[tuple[int, int], set[int]] = defaultdict(set)
    for moment in moments:
        days_by_time[(moment.hour, moment.minute)].add(moment.day)
    minutes_by_days_hour: dict[frozenset[int], dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    for (hour, minute), days in days_by_time.items():
        minutes_by_days_hour[frozenset(days)][hour].add(minute)
    lines: list[tuple[tuple[int, ...], tuple[int, ...], str]] = []
    for days, minutes_by_hour in minutes_by_days_hour.items():
        hours_by_minutes: dict[frozenset[int], list[int]] = defaultdict(list)
        for hour, minutes in minutes_by_hour.items():
            hours_by_minutes[frozenset(minutes)].append(hour)
        for minutes, hours in hours_by_minutes.items():
            cron = f"{_list_field(minutes)} {_list_field(hours)} * * {_days_field(days)}"
            lines.append((tuple(sorted(days)), (min(hours), min(minutes)), cron))
    # Stable order (by first day, then first time) so re-applying a deployment changes nothing.
    return [cron for *_, cron in sorted(lines)]


def moments_to_schedules(
    moments: Iterable[Moment], timezone: str, parameters: dict[str, object] | None = None
) -> list[PrefectSchedule]:
    """Prefect cron schedules for these moments, after the timezone and DST checks; `parameters` are
    the flow-run parameters each schedule overrides (the build sets `rids`)."""
    moments = list(moments)
    check_timezone(timezone)
    check_dst(moments, timezone)
    return [
        Cron(cron, timezone=timezone, parameters=dict(parameters or {})) for cron in moments_to_crons(moments)
    ]


def convert(schedule: Schedule, timezone: str) -> list[PrefectSchedule]:
    """Prefect schedules (cron, in `timezone`) that fire at exactly the moments `schedule` defines.

    Raises ScheduleConversionError for what cannot be reproduced exactly (see the module docstring).
    """
    check_timezone(timezone)
    return moments_to_schedules(weekly_moments(schedule), timezone)
