"""convert(): the seed's schedule → Prefect cron schedules firing at the same moments.

Every accepted schedule is checked by computing the fire times of the produced schedules with
Prefect's own scheduler code over a week and comparing them with the times the seed's semantics
define (tests/deployments/oracle.py, which does not use the converter).
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from prefect.client.schemas.actions import DeploymentScheduleCreate

from clonepilot.config.schedule import Schedule, ScheduleWindow, parse_schedule
from deployments.schedules import ScheduleConversionError, convert
from tests.deployments.oracle import WEEK_START, at, opensvc_times, opensvc_weeks, prefect_times, rule_times


def fire_times(text: str, timezone: str = "UTC", week_start: dt.datetime = WEEK_START) -> list[dt.datetime]:
    return prefect_times(convert(parse_schedule(text), timezone), timezone, week_start)


def every_day(*times: str) -> list[dt.datetime]:
    return sorted(at(day, hhmm) for day in range(1, 8) for hhmm in times)


def test_seed_example_fires_once_per_window_on_its_days() -> None:
    # @61 is longer than the one-hour windows: once per window.
    assert fire_times('["00:00-01:00@61 mon", "02:00-03:00@61 tue-sun"]') == [
        at(1, "00:00"),
        *(at(day, "02:00") for day in range(2, 8)),
    ]


def test_interval_shorter_than_the_window_fires_every_interval_strictly_inside_it() -> None:
    # 01:00 is the window's end, not inside it.
    assert fire_times("00:00-01:00@15") == every_day("00:00", "00:15", "00:30", "00:45")


def test_interval_not_dividing_the_hour() -> None:
    schedules = convert(parse_schedule("00:00-03:00@45"), "UTC")
    # No single cron line has minutes 0,45 in hour 0, 30 in hour 1 and 15 in hour 2.
    assert len(schedules) > 1
    assert prefect_times(schedules, "UTC") == every_day("00:00", "00:45", "01:30", "02:15")


def test_interval_dividing_neither_the_hour_nor_the_window() -> None:
    expected = every_day(*(f"{m // 60:02d}:{m % 60:02d}" for m in range(10 * 60, 17 * 60 + 30, 37)))
    assert fire_times("10:00-17:30@37") == expected


def test_window_without_interval_fires_once_at_its_start() -> None:
    assert fire_times("23:10-23:50") == every_day("23:10")


def test_window_crossing_midnight_continues_on_the_next_day() -> None:
    assert fire_times("22:00-02:00@60 mon") == [
        at(1, "22:00"),
        at(1, "23:00"),
        at(2, "00:00"),
        at(2, "01:00"),
    ]


def test_sunday_window_crossing_midnight_continues_on_monday() -> None:
    assert fire_times("23:00-01:00@30 sun") == [
        at(1, "00:00"),
        at(1, "00:30"),
        at(7, "23:00"),
        at(7, "23:30"),
    ]


def test_window_crossing_midnight_without_interval_fires_once() -> None:
    assert fire_times("23:30-00:30 fri") == [at(5, "23:30")]


@pytest.mark.parametrize(
    ("days", "expected_days"),
    [
        ("mon,wed,fri", [1, 3, 5]),
        ("tue-sun", [2, 3, 4, 5, 6, 7]),
        ("sat-mon", [1, 6, 7]),  # a range wrapping over the end of the week
        ("mon-tue,thu,sat-sun", [1, 2, 4, 6, 7]),
        ("sun", [7]),
        ("*", [1, 2, 3, 4, 5, 6, 7]),
    ],
)
def test_day_lists_and_ranges(days: str, expected_days: list[int]) -> None:
    assert fire_times(f"04:00-05:00@30 {days}") == sorted(
        at(day, hhmm) for day in expected_days for hhmm in ("04:00", "04:30")
    )


def test_windows_on_different_days_at_different_times() -> None:
    text = '["01:00-01:30@10 mon-fri", "06:00-09:00@90 sat,sun", "12:00-12:01"]'
    expected = sorted(
        [at(d, t) for d in range(1, 6) for t in ("01:00", "01:10", "01:20")]
        + [at(d, t) for d in (6, 7) for t in ("06:00", "07:30")]
        + [at(d, "12:00") for d in range(1, 8)]
    )
    assert fire_times(text) == expected


def test_a_moment_two_entries_produce_fires_once() -> None:
    # Both entries fire on Monday 00:00; Prefect must create one run, not two.
    assert fire_times('["00:00-01:00@61 mon", "00:00-01:00@61 mon-wed"]') == [
        at(1, "00:00"),
        at(2, "00:00"),
        at(3, "00:00"),
    ]


def test_wall_clock_times_in_a_timezone_without_daylight_saving() -> None:
    # Kolkata is UTC+05:30 all year: 02:00 there is 20:30 UTC the day before.
    schedules = convert(parse_schedule("02:00-03:00@30 mon"), "Asia/Kolkata")
    # Read as UTC the crons would fire at 07:30 and 08:00 Kolkata time.
    assert prefect_times(schedules, "Asia/Kolkata") == [at(1, "02:00"), at(1, "02:30")]


def test_dst_timezone_accepted_when_no_change_touches_the_runs() -> None:
    # Europe/Paris changes on Sundays at 02:00/03:00; a weekday 02:00 window is never touched. Check the
    # week of the spring change (2027-03-28) in wall-clock time.
    week = dt.datetime(2027, 3, 22)
    times = fire_times("02:00-03:00@61 mon-fri", "Europe/Paris", week_start=week)
    assert times == [at(day, "02:00", week) for day in range(1, 6)]


@pytest.mark.parametrize(
    ("text", "timezone", "kind"),
    [
        ("02:00-03:00@30 sun", "Europe/Paris", "skipped"),  # spring: 02:00-03:00 does not exist
        ("02:00-04:00@61 sun", "Europe/Paris", "skipped"),  # only the first run is touched
        ("01:00-02:00 sun", "America/New_York", "repeated"),  # autumn: 01:00-02:00 happens twice
    ],
)
def test_refuses_runs_that_a_daylight_saving_change_touches(text: str, timezone: str, kind: str) -> None:
    with pytest.raises(ScheduleConversionError, match=f"daylight-saving change {kind}"):
        convert(parse_schedule(text), timezone)


def test_refuses_an_unknown_timezone() -> None:
    with pytest.raises(ScheduleConversionError, match="unknown timezone 'Mars/Olympus'"):
        convert(parse_schedule("00:00-01:00"), "Mars/Olympus")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # Overlapping windows: OpenSVC would not run at 00:30 (last run 30 min ago, interval 90 min).
        ('["00:00-01:00@61", "00:30-02:00"]', "comes 30 min after the run at mon 00:00"),
        # The interval carries over to the next day's window: 16:40 → 00:00 is 440 min < 1000.
        ("00:00-23:00@1000", "comes 440 min after the run at sun 16:40"),
        # Windows on consecutive days closer than the interval.
        ("22:00-23:00@1500 mon,tue", "comes 1440 min after the run at mon 22:00"),
        # Longer than a week between runs: no weekly schedule.
        ("00:00-01:00@20000 mon", "cannot wait longer than a week"),
    ],
)
def test_refuses_what_opensvc_would_shift(text: str, message: str) -> None:
    schedule = parse_schedule(text)
    # The refusal is right: OpenSVC's last-run rule really does not fire at the rule's moments
    # every week (the first week, with no run before it, is left out).
    assert any(week != rule_times(schedule) for week in opensvc_weeks(schedule, weeks=4)[1:])
    with pytest.raises(ScheduleConversionError, match=message):
        convert(schedule, "UTC")


def _random_window(rng: random.Random) -> ScheduleWindow:
    start = dt.time(rng.randrange(24), rng.randrange(0, 60, 5))
    length = rng.choice([5, 30, 60, 61, 90, 180, 300, 600, 1000])
    end_minutes = (start.hour * 60 + start.minute + length) % 1440
    interval = rng.choice([None, None, 7, 15, 20, 45, 60, 61, 97, 240])
    days = tuple(sorted(rng.sample(range(1, 8), rng.randrange(1, 8))))
    return ScheduleWindow(
        start=start, end=dt.time(*divmod(end_minutes, 60)), interval_minutes=interval, days=days
    )


@pytest.mark.parametrize("seed", range(40))
def test_random_schedules_match_both_oracles_or_are_refused(seed: int) -> None:
    rng = random.Random(seed)
    schedule = Schedule(windows=tuple(_random_window(rng) for _ in range(rng.randrange(1, 4))))
    try:
        schedules = convert(schedule, "UTC")
    except ScheduleConversionError:
        # Refused: the stated rule and OpenSVC's behaviour part ways, so there is nothing exact to emit.
        assert any(week != rule_times(schedule) for week in opensvc_weeks(schedule, weeks=4)[1:])
        return
    produced = prefect_times(schedules, "UTC")
    assert produced == rule_times(schedule)
    assert produced == opensvc_times(schedule)


def test_accepted_schedules_are_valid_deployment_schedules() -> None:
    for schedule in convert(parse_schedule('["00:00-03:00@45 mon-fri", "12:00-13:00"]'), "Europe/Paris"):
        created = DeploymentScheduleCreate.from_schedule(schedule)
        assert created.schedule.cron == schedule.cron  # type: ignore[union-attr]
        assert created.schedule.timezone == "Europe/Paris"  # type: ignore[union-attr]
