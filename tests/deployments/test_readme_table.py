"""The README's conversion table states what convert() does; keep the two in step."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from clonepilot.config.schedule import parse_schedule
from deployments.schedules import ScheduleConversionError, convert

README = Path(__file__).resolve().parents[2] / "README.md"


def table_rows() -> list[tuple[str, str, list[str] | None]]:
    """(schedule, timezone, crons or None when refused) for each row of the section's table."""
    section = README.read_text().split("## Deployments and schedules", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        first, _fires, last = (cell.strip() for cell in line.strip("|").split("|"))
        schedule = re.match(r"`([^`]*)`", first)
        assert schedule is not None, line
        zone = re.search(r" in ([A-Za-z_]+/[A-Za-z_]+)", first)
        crons = None if last == "refused" else re.findall(r"`([^`]*)`", last)
        rows.append((schedule.group(1), zone.group(1) if zone else "UTC", crons))
    return rows


def test_the_table_has_the_issue_examples() -> None:
    schedules = [row[0] for row in table_rows()]
    for example in (
        '["00:00-01:00@61 mon", "02:00-03:00@61 tue-sun"]',
        "00:00-03:00@45",
        "22:00-02:00@60 mon",
    ):
        assert example in schedules


@pytest.mark.parametrize(("schedule", "timezone", "crons"), table_rows())
def test_each_row_is_what_convert_does(schedule: str, timezone: str, crons: list[str] | None) -> None:
    parsed = parse_schedule(schedule)
    if crons is None:
        with pytest.raises(ScheduleConversionError):
            convert(parsed, timezone)
    else:
        assert [s.cron for s in convert(parsed, timezone)] == crons
