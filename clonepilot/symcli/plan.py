"""Which pairs of a resource an operation still has to touch, for idempotent reruns.

A rerun of a flow after a crash must neither repeat an operation on pairs that already went
through it (SYMCLI refuses with "already in state") nor act on pairs in a state where the
operation is illegal. The flow decides what to do with the lists; this module only sorts.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from clonepilot.symcli.models import CloneState, SymdevListing
from clonepilot.symcli.validate import normalise_dev_id


class Operation(enum.Enum):
    RECREATE = "recreate"
    ACTIVATE = "activate"


@dataclass(frozen=True)
class PairState:
    """The current state of one configured pair; `state` None means no clone session.

    `other_source` is set when the target is in a session with a different source device:
    no operation on the configured pair can succeed until that session is terminated.
    """

    src: str
    tgt: str
    state: CloneState | None
    other_source: str | None = None


@dataclass(frozen=True)
class BlockedPair:
    pair: PairState
    reason: str


@dataclass(frozen=True)
class OperationPlan:
    operation: Operation
    needed: tuple[PairState, ...]
    done: tuple[PairState, ...]
    needs_create: tuple[PairState, ...]
    blocked: tuple[BlockedPair, ...]

    @property
    def nothing_to_do(self) -> bool:
        return not (self.needed or self.needs_create or self.blocked)

    @property
    def can_proceed(self) -> bool:
        """True when the operation may run now on `needed` (nothing blocks, nothing lacks a session)."""
        return not (self.blocked or self.needs_create)


# Created counts as done for recreate: the session was set up but not activated yet, so
# activate will take the current image anyway; recreate itself is illegal there (§2.2).
_RECREATE_DONE = frozenset({CloneState.RECREATED, CloneState.PRECOPY, CloneState.CREATED})
_RECREATE_NEEDED = frozenset({CloneState.COPIED, CloneState.SPLIT, CloneState.COPY_ON_ACCESS})
# CopyOnAccess is an activated (nocopy) session, so a second activate would be refused.
_ACTIVATE_DONE = frozenset({CloneState.COPY_IN_PROG, CloneState.COPIED, CloneState.COPY_ON_ACCESS})
_ACTIVATE_NEEDED = frozenset({CloneState.RECREATED, CloneState.PRECOPY, CloneState.CREATED})

_RULES: dict[Operation, tuple[frozenset[CloneState], frozenset[CloneState]]] = {
    Operation.RECREATE: (_RECREATE_DONE, _RECREATE_NEEDED),
    Operation.ACTIVATE: (_ACTIVATE_DONE, _ACTIVATE_NEEDED),
}


def plan_operation(operation: Operation, pairs: Iterable[PairState]) -> OperationPlan:
    done_states, needed_states = _RULES[operation]
    needed: list[PairState] = []
    done: list[PairState] = []
    needs_create: list[PairState] = []
    blocked: list[BlockedPair] = []
    for pair in pairs:
        if pair.other_source is not None:
            blocked.append(
                BlockedPair(pair, f"target {pair.tgt} is in a clone session with source {pair.other_source}")
            )
        elif pair.state is None:
            needs_create.append(pair)
        elif pair.state in done_states:
            done.append(pair)
        elif pair.state in needed_states:
            needed.append(pair)
        else:
            blocked.append(
                BlockedPair(pair, f"{operation.value} is not possible in state {pair.state.value}")
            )
    return OperationPlan(operation, tuple(needed), tuple(done), tuple(needs_create), tuple(blocked))


def pair_states(listing: SymdevListing, pairs: Sequence[tuple[str, str]]) -> tuple[PairState, ...]:
    """The state of each configured (src, tgt) pair, read from a symdev listing of the targets.

    Ids are compared without leading zeros and case. A target missing from the listing is a
    configuration or visibility problem, not a missing session: it raises ValueError.
    """
    result: list[PairState] = []
    for src, tgt in pairs:
        device = listing.device(tgt)
        if device is None:
            raise ValueError(f"target device {tgt} is not in the symdev listing")
        session = device.target_session
        if session is None:
            result.append(PairState(src, tgt, None))
        elif normalise_dev_id(session.src) != normalise_dev_id(src):
            result.append(PairState(src, tgt, session.state, other_source=session.src))
        else:
            result.append(PairState(src, tgt, session.state))
    return tuple(result)
