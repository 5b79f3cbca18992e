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
RID_RE = re.compile(r"^(?:sync|ip|disk|vg|fs|app)#[A-Za-z0-9_-]{1,32}$")
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


def depends_cycles(
    graph: dict[str, dict[str, tuple[DependsCondition, ...]]],
) -> list[tuple[str, tuple[str, ...]]]:
    """The cycles of `<action>_depends` among resources: (action, (rid, ..., rid)), first rid repeated last.

    `graph` maps a rid to its conditions per action. Within one action, resources that wait for each
    other (ip#1 for app#1 and app#1 for ip#1) wait forever: the action can never run. One cycle is
    named per group of resources caught in one, starting from its first rid in `graph`'s order.
    """
    actions = sorted({action for by_action in graph.values() for action in by_action})
    found: list[tuple[str, tuple[str, ...]]] = []
    for action in actions:
        edges = {
            rid: [c.rid for c in by_action.get(action, ()) if c.rid in graph]
            for rid, by_action in graph.items()
        }
        seen: set[str] = set()
        for start in graph:
            if start in seen:
                continue
            cycle = _cycle_from(start, edges)
            if cycle is not None:
                found.append((action, cycle))
                seen.update(cycle)
    return found


def _cycle_from(start: str, edges: dict[str, list[str]]) -> tuple[str, ...] | None:
    """A path start → ... → start along edges, the shortest one (breadth first), or None."""
    parents: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following: list[str] = []
        for rid in frontier:
            for after in edges.get(rid, ()):
                if after == start:
                    path = [rid]
                    while path[-1] != start:
                        path.append(parents[path[-1]])
                    return (*reversed(path), start)
                if after not in parents:
                    parents[after] = rid
                    following.append(after)
        frontier = following
    return None
