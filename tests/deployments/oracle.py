"""Fire times the seed's schedule semantics define, computed without deployments.schedules, and the fire
times Prefect's own scheduler code produces for a list of schedules.

Two independent oracles, both in wall-clock (naive) time of one concrete week:

* `rule_times`: the stated rule, expanded with datetimes: each window fires at its start on each of
  its days, then every interval while strictly inside `[start, end)`; a window crossing midnight runs
  on into the next day.
* `opensvc_times`: OpenSVC's scheduler simulated minute by minute: run at a minute inside some window
  if the last run is at least that window's interval ago (the window length when there is none).
  Simulated from an empty history over several weeks; the last week is the steady state.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from prefect.schedules import Schedule as PrefectSchedule
from prefect.server.schemas.schedules import CronSchedule as ServerCron

from clonepilot.config.schedule import Schedule, ScheduleWindow

# A Monday, far from daylight-saving changes in the zones the tests use.
WEEK_START = dt.datetime(2027, 1, 4)
MINUTE = dt.timedelta(minutes=1)
WEEK = dt.timedelta(days=7)


def length_of(window: ScheduleWindow) -> dt.timedelta:
    start = dt.datetime.combine(WEEK_START, window.start)
    end = dt.datetime.combine(WEEK_START, window.end)
    if end <= start:
        end += dt.timedelta(days=1)
    return end - start


def interval_of(window: ScheduleWindow) -> dt.timedelta:
    if window.interval_minutes is None:
        return length_of(window)
    return dt.timedelta(minutes=window.interval_minutes)


def rule_times(schedule: Schedule, week_start: dt.datetime = WEEK_START) -> list[dt.datetime]:
    """The rule's fire times within [week_start, week_start + 7 days), including runs that a window
    opened on the Sunday before spills over midnight into this week."""
    times: set[dt.datetime] = set()
    for window in schedule.windows:
        for offset in range(-1, 7):
            day = week_start + dt.timedelta(days=offset)
            if day.isoweekday() not in window.days:
                continue
            start = dt.datetime.combine(day.date(), window.start)
            moment = start
            while moment < start + length_of(window):
                if week_start <= moment < week_start + WEEK:
                    times.add(moment)
                moment += interval_of(window)
    return sorted(times)


def _windows_at(schedule: Schedule, moment: dt.datetime) -> list[ScheduleWindow]:
    inside = []
    for window in schedule.windows:
        for back in (0, 1):
            day = moment.date() - dt.timedelta(days=back)
            if day.isoweekday() not in window.days:
                continue
            start = dt.datetime.combine(day, window.start)
            if start <= moment < start + length_of(window):
                inside.append(window)
                break
    return inside


def opensvc_weeks(schedule: Schedule, weeks: int = 3) -> list[list[dt.datetime]]:
    """OpenSVC's runs over `weeks` consecutive weeks from an empty history, each week's runs shifted
    onto the week starting at WEEK_START (so a weekly-periodic behaviour gives equal lists)."""
    first = WEEK_START - (weeks - 1) * WEEK
    last_run: dt.datetime | None = None
    runs: list[dt.datetime] = []
    moment = first
    while moment < WEEK_START + WEEK:
        windows = _windows_at(schedule, moment)
        if any(last_run is None or moment - last_run >= interval_of(w) for w in windows):
            last_run = moment
            runs.append(moment)
        moment += MINUTE
    return [
        [
            run - (weeks - 1 - index) * WEEK
            for run in runs
            if first + index * WEEK <= run < first + (index + 1) * WEEK
        ]
        for index in range(weeks)
    ]


def opensvc_times(schedule: Schedule) -> list[dt.datetime]:
    """Steady-state runs of OpenSVC's last-run rule, in the week starting at WEEK_START."""
    return opensvc_weeks(schedule)[-1]


def prefect_times(
    schedules: Iterable[PrefectSchedule], timezone: str, week_start: dt.datetime = WEEK_START
) -> list[dt.datetime]:
    """What the Prefect server's scheduler computes for these schedules, as wall-clock times in
    `timezone`, within the given week; duplicates kept, so a moment fired twice shows twice."""
    zone = ZoneInfo(timezone)
    start = week_start.replace(tzinfo=zone)
    end = (week_start + WEEK).replace(tzinfo=zone)

    async def dates() -> list[dt.datetime]:
        found: list[dt.datetime] = []
        for schedule in schedules:
            assert schedule.cron is not None and schedule.timezone == timezone
            server = ServerCron(cron=schedule.cron, timezone=schedule.timezone, day_or=schedule.day_or)
            found += await server.get_dates(n=100_000, start=start, end=end - dt.timedelta(seconds=1))
        return found

    return sorted(
        dt.datetime.fromtimestamp(d.timestamp(), zone).replace(tzinfo=None) for d in asyncio.run(dates())
    )


def at(day: int, hhmm: str, week_start: dt.datetime = WEEK_START) -> dt.datetime:
    """ISO weekday `day` (1 = Monday) of the week, at `hhmm`."""
    hours, minutes = map(int, hhmm.split(":"))
    return week_start + dt.timedelta(days=day - 1, hours=hours, minutes=minutes)
