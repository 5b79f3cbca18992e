"""Idempotent rerun planning: which pairs need the operation, are done, lack a session, or block."""

from __future__ import annotations

import pytest

from clonepilot.symcli import CloneState, Operation, PairState, plan_operation

S = CloneState


def _pairs(*states: CloneState | None) -> list[PairState]:
    return [PairState(f"{index:04X}", f"{index + 0x100:04X}", state) for index, state in enumerate(states)]


@pytest.mark.parametrize(
    ("state", "bucket"),
    [
        (S.RECREATED, "done"),
        (S.PRECOPY, "done"),
        (S.CREATED, "done"),
        (S.COPIED, "needed"),
        (S.SPLIT, "needed"),
        (S.COPY_ON_ACCESS, "needed"),
        (S.COPY_IN_PROG, "blocked"),
        (S.REST_IN_PROG, "blocked"),
        (S.FAILED, "blocked"),
        (S.RESTORED, "blocked"),
        (S.UNKNOWN, "blocked"),
        (None, "needs_create"),
    ],
)
def test_recreate_rules(state: CloneState | None, bucket: str) -> None:
    plan = plan_operation(Operation.RECREATE, _pairs(state))
    assert _bucket(plan) == bucket


@pytest.mark.parametrize(
    ("state", "bucket"),
    [
        (S.RECREATED, "needed"),
        (S.PRECOPY, "needed"),
        (S.CREATED, "needed"),
        (S.COPY_IN_PROG, "done"),
        (S.COPIED, "done"),
        (S.COPY_ON_ACCESS, "done"),
        (S.SPLIT, "blocked"),
        (S.REST_IN_PROG, "blocked"),
        (S.FAILED, "blocked"),
        (S.INVALID, "blocked"),
        (None, "needs_create"),
    ],
)
def test_activate_rules(state: CloneState | None, bucket: str) -> None:
    assert _bucket(plan_operation(Operation.ACTIVATE, _pairs(state))) == bucket


def _bucket(plan: object) -> str:
    names = [name for name in ("needed", "done", "needs_create", "blocked") if getattr(plan, name)]
    assert len(names) == 1, names
    return names[0]


def test_mixed_resource_rerun_after_partial_recreate() -> None:
    pairs = _pairs(S.PRECOPY, S.COPIED, S.RECREATED, S.COPIED)
    plan = plan_operation(Operation.RECREATE, pairs)
    assert plan.needed == (pairs[1], pairs[3])
    assert plan.done == (pairs[0], pairs[2])
    assert plan.can_proceed
    assert not plan.nothing_to_do


def test_all_done_means_nothing_to_do() -> None:
    plan = plan_operation(Operation.ACTIVATE, _pairs(S.COPIED, S.COPY_IN_PROG))
    assert plan.nothing_to_do and plan.can_proceed


def test_blocked_pair_stops_the_resource_and_says_why() -> None:
    plan = plan_operation(Operation.RECREATE, _pairs(S.COPIED, S.COPY_IN_PROG, None))
    assert not plan.can_proceed
    assert plan.blocked[0].reason == "recreate is not possible in state CopyInProg"
    assert len(plan.needs_create) == 1


def test_target_held_by_another_source_is_blocked() -> None:
    pair = PairState("00B60", "00B61", S.RECREATED, other_source="00B70")
    plan = plan_operation(Operation.ACTIVATE, [pair])
    assert plan.blocked and "00B70" in plan.blocked[0].reason
