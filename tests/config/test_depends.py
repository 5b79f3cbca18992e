from __future__ import annotations

import pytest

from clonepilot.config.depends import DEFAULT_STATES, DependsSyntaxError, parse_depends, split_conditions


def test_default_states() -> None:
    (condition,) = parse_depends("fs#1")
    assert condition.rid == "fs#1" and condition.states == DEFAULT_STATES == ("up", "stdby up")


def test_explicit_states() -> None:
    (condition,) = parse_depends("sync#2(down,warn)")
    assert condition.states == ("down", "warn")


def test_state_with_a_space_does_not_split_the_condition() -> None:
    assert split_conditions("ip#1(up,stdby up)  fs#1  app#1(stdby   down)") == [
        "ip#1(up,stdby up)",
        "fs#1",
        "app#1(stdby   down)",
    ]
    conditions = parse_depends("ip#1(up,stdby up) fs#1 app#1(stdby   down)")
    assert [c.rid for c in conditions] == ["ip#1", "fs#1", "app#1"]
    assert conditions[0].states == ("up", "stdby up")
    assert conditions[2].states == ("stdby down",)


def test_empty_means_no_condition() -> None:
    assert parse_depends("   ") == ()


@pytest.mark.parametrize(
    "text", ["fs#1(up", "fs#1)up(", "fs#1(up)(down)", "fs#1()", "vol#1", "fs#x.y", "fs#", "fs#1(sleepy)"]
)
def test_malformed(text: str) -> None:
    with pytest.raises(DependsSyntaxError):
        parse_depends(text)
