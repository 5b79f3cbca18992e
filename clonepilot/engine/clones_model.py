"""What the clone-set driver returns and raises: pair views, snapshots, step results, refusals."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from clonepilot.config.models import SymcloneSync
from clonepilot.errors import PermanentError
from clonepilot.symcli import CloneState, PairProgress, SymdevListing, overall_percent
from clonepilot.symcli.validate import normalise_dev_id

NO_SESSION = "NoSession"


@dataclass(frozen=True)
class PairView:
    """One configured pair as the array shows it; `state` None means no clone session.

    `src`/`tgt` are the configured names: device ids (array form) or logical names (DG form).
    `other_source` is set when the target is in a session with another source device.
    """

    src: str
    tgt: str
    state: CloneState | None
    percent: int | None
    last_action: datetime | None
    other_source: str | None = None

    @property
    def key(self) -> str:
        return f"{self.src}:{self.tgt}"

    @property
    def state_name(self) -> str:
        if self.other_source is not None:
            return f"{self.state.value if self.state else NO_SESSION} with source {self.other_source}"
        return self.state.value if self.state is not None else NO_SESSION

    def describe(self) -> str:
        """`00100:00110 (PreCopy 40%)`, for messages that name pairs and their states."""
        percent = f" {self.percent}%" if self.percent is not None and self.state is not None else ""
        return f"{self.key} ({self.state_name}{percent})"


@dataclass(frozen=True)
class CloneSnapshot:
    """The pairs of one resource at one moment (`taken_at`: wall clock seconds)."""

    rid: str
    pairs: tuple[PairView, ...]
    taken_at: float

    @property
    def percent(self) -> float:
        """Mean percent copied over the pairs (a pair without a session counts 0)."""
        if not self.pairs:
            return 0.0
        return overall_percent([PairProgress(float(p.percent or 0)) for p in self.pairs])

    @property
    def percent_known(self) -> bool:
        """False when a pair in a session has no percent: the array did not say, it is not 0."""
        return all(pair.percent is not None for pair in self.pairs if pair.state is not None)

    @property
    def states(self) -> Counter[str]:
        return Counter(pair.state_name for pair in self.pairs)

    @property
    def last_action(self) -> datetime | None:
        stamps = [pair.last_action for pair in self.pairs if pair.last_action is not None]
        return max(stamps) if stamps else None

    def all_in(self, states: Iterable[CloneState]) -> bool:
        wanted = frozenset(states)
        return all(pair.state in wanted and pair.other_source is None for pair in self.pairs)

    def describe_states(self) -> str:
        """`CopyInProg=1, Copied=1`, sorted by name for stable messages."""
        return ", ".join(f"{name}={count}" for name, count in sorted(self.states.items()))


@dataclass(frozen=True)
class StepResult:
    """What one state-changing step did. `pairs` are the `src:tgt` it acted on (or would, in a dry run)."""

    rid: str
    action: str
    changed: bool
    pairs: tuple[str, ...]
    message: str


class CloneSetError(PermanentError):
    """A clone-set step refused or failed for a reason the operator has to look at."""

    def __init__(self, rid: str, message: str) -> None:
        self.rid = rid
        super().__init__(f"{rid}: {message}")


class PairStateError(CloneSetError):
    """Pairs are in states from which the requested step (or the awaited state) is impossible."""

    def __init__(self, rid: str, message: str, pairs: Sequence[PairView] = ()) -> None:
        self.pairs = tuple(pairs)
        super().__init__(rid, message)


class MissingDevicesError(CloneSetError):
    """Configured devices the array listing does not show."""

    def __init__(self, rid: str, devices: Sequence[str], where: str) -> None:
        self.devices = tuple(devices)
        super().__init__(rid, f"devices missing from {where}: {', '.join(devices)}")


class WaitTimeout(CloneSetError):
    """A wait ran out of time; says for what, how long, and where the pairs got to."""

    def __init__(self, rid: str, waiting_for: str, max_wait: float, snapshot: CloneSnapshot, percent: float):
        self.waiting_for = waiting_for
        self.max_wait = max_wait
        self.snapshot = snapshot
        self.percent = percent
        super().__init__(
            rid,
            f"timed out waiting for {waiting_for} state after {max_wait:g} s: reached {percent:.0f}%, "
            f"pairs {', '.join(p.describe() for p in snapshot.pairs)}; the copy goes on in the array: "
            "check it with symclone query and rerun the step, or raise the max wait setting",
        )


def snapshot_from_listing(resource: SymcloneSync, listing: SymdevListing) -> CloneSnapshot:
    """The resource's pairs as an already-read `symdev list -v` (array form) shows them.

    The listing may hold more devices than the resource's (the fleet reads every target of an
    array at once); MissingDevicesError names the resource's targets it lacks.
    """
    views: list[PairView] = []
    missing: list[str] = []
    for pair in resource.pairs:
        device = listing.device(pair.target)
        if device is None:
            missing.append(pair.target)
            continue
        session = device.target_session
        if session is None:
            views.append(PairView(pair.source, pair.target, None, None, None))
            continue
        other = None if normalise_dev_id(session.src) == normalise_dev_id(pair.source) else session.src
        views.append(
            PairView(pair.source, pair.target, session.state, session.percent, session.last_action, other)
        )
    if missing:
        raise MissingDevicesError(resource.rid, missing, f"the symdev listing of array {resource.symid}")
    return CloneSnapshot(resource.rid, tuple(views), time.time())
