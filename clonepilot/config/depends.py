"""`*_depends` conditions: a whitespace-separated list of `<rid>(<state>,...)`.

Without states a condition expects the seed's default 'up,stdby up'. Because 'stdby up' itself
holds a space, conditions are split on whitespace outside parentheses only.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

DEFAULT_STATES: tuple[str, ...] = ("up", "stdby up")
# The resource states OpenSVC reports; anything else in a condition is a typo that would never match.
KNOWN_STATES: frozenset[str] = frozenset(
    {"up", "down", "warn", "n/a", "undef", "stdby up", "stdby down", "stdby n/a"}
)
RID_RE = re.compile(r"^(?:sync|ip|disk|fs|app)#[0-9]{1,6}$")
_CONDITION_RE = re.compile(r"^(?P<rid>[^()\s]+)(?:\((?P<states>[^()]*)\))?$")


class DependsSyntaxError(ValueError):
    """A depends value that is not a list of `<rid>(<state>,...)`."""


class DependsCondition(BaseModel):
    """The resource `rid` must be in one of `states` before the action may run."""

    model_config = ConfigDict(frozen=True)

    rid: str
    states: tuple[str, ...] = DEFAULT_STATES

    def __str__(self) -> str:
        return f"{self.rid}({','.join(self.states)})"


def split_conditions(text: str) -> list[str]:
    """Split on whitespace that is outside parentheses; reject unbalanced parentheses."""
    items: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        if char == "(":
            depth += 1
            if depth > 1:
                raise DependsSyntaxError(f"{text!r}: nested parentheses")
        elif char == ")":
            depth -= 1
            if depth < 0:
                raise DependsSyntaxError(f"{text!r}: ')' without '('")
        if char.isspace() and depth == 0:
            if current:
                items.append("".join(current))
                current = []
            continue
        current.append(char)
    if depth != 0:
        raise DependsSyntaxError(f"{text!r}: '(' without ')'")
    if current:
        items.append("".join(current))
    return items


def parse_condition(text: str) -> DependsCondition:
    match = _CONDITION_RE.fullmatch(text)
    if not match:
        raise DependsSyntaxError(f"{text!r} is not a condition: expected '<rid>' or '<rid>(<state>,...)'")
    rid = match["rid"]
    if not RID_RE.fullmatch(rid):
        raise DependsSyntaxError(f"{text!r}: {rid!r} is not a resource id such as 'sync#1' or 'fs#2'")
    raw_states = match["states"]
    if raw_states is None:
        return DependsCondition(rid=rid)
    # Inner whitespace is normalised so 'stdby   up' and 'stdby up' mean the same state.
    states = tuple(" ".join(state.split()) for state in raw_states.split(","))
    for state in states:
        if not state:
            raise DependsSyntaxError(f"{text!r}: empty state")
        if state not in KNOWN_STATES:
            known = ", ".join(sorted(KNOWN_STATES))
            raise DependsSyntaxError(f"{text!r}: unknown state {state!r} (known: {known})")
    return DependsCondition(rid=rid, states=states)


def parse_depends(text: str) -> tuple[DependsCondition, ...]:
    """Parse a whole `*_depends` value; an empty value means no condition."""
    return tuple(parse_condition(item) for item in split_conditions(text))
