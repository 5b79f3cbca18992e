from __future__ import annotations

from datetime import time

import pytest

from clonepilot.config.schedule import ScheduleSyntaxError, parse_schedule, parse_window


def test_seed_example() -> None:
    schedule = parse_schedule('["00:00-01:00@61 mon", "02:00-03:00@61 tue-sun"]')
    first, second = schedule.windows
    assert (first.start, first.end, first.interval_minutes, first.days) == (time(0, 0), time(1, 0), 61, (1,))
    assert (second.start, second.end, second.days) == (time(2, 0), time(3, 0), (2, 3, 4, 5, 6, 7))
    assert not first.crosses_midnight


def test_single_entry_without_brackets_runs_every_day() -> None:
    (window,) = parse_schedule("22:30-23:00").windows
    assert window.days == (1, 2, 3, 4, 5, 6, 7) and window.interval_minutes is None


def test_midnight_crossing_window() -> None:
    window = parse_window("23:00-02:00@30 fri")
    assert window.crosses_midnight and window.start == time(23, 0) and window.end == time(2, 0)


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ("mon,wed", (1, 3)),
        ("tue-thu,sun", (2, 3, 4, 7)),
        ("sat-mon", (1, 6, 7)),
        ("Monday", (1,)),
        ("*", (1, 2, 3, 4, 5, 6, 7)),
    ],
)
def test_day_lists_and_ranges(days: str, expected: tuple[int, ...]) -> None:
    assert parse_window(f"01:00-02:00 {days}").days == expected


def test_round_trip_text() -> None:
    assert str(parse_window("01:00-02:00@5 mon,wed")) == "01:00-02:00@5 mon,wed"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "[]",
        '["24:00-01:00"]',
        '["00:60-01:00"]',
        '["01:00-01:00"]',
        '["00:00-01:00@0"]',
        '["00:00-01:00@x"]',
        '["00:00-01:00 mon tue"]',
        '["00:00-01:00 mon,,tue"]',
        '["00:00-01:00 mon-xyz"]',
        '["0000-0100"]',
        '["00:00-01:00", 5]',
        '["00:00-01:00"',
        "00:00",
    ],
)
def test_malformed(text: str) -> None:
    with pytest.raises(ScheduleSyntaxError):
        parse_schedule(text)
