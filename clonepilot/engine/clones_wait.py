"""Waiting for a clone set to reach a state: adaptive polling, progress events, early failure.

The poll interval follows the copy: a fraction of the estimated time left, so polls are rare
during a long copy and close together near its end (the wait returns within about
`poll_interval_min` of the array getting there). Before any progress is seen the interval
doubles from the minimum. A pair that cannot reach the awaited state by itself fails the
wait at once rather than after the whole bound.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from clonepilot.engine.clones_model import CloneSnapshot, PairStateError, PairView, WaitTimeout
from clonepilot.engine.context import ProgressEvent, RunContext
from clonepilot.symcli import CloneState, PairProgress, ProgressSample, estimate_eta, next_poll_interval
from clonepilot.symcli import overall_percent as _overall

# A progress line at most this often (seconds); events go to the sink at every poll.
LOG_EVERY = 5.0
# Samples kept for the rate estimate: enough to smooth, few enough to follow a changing rate.
MAX_SAMPLES = 20


@dataclass(frozen=True)
class WaitGoal:
    """What a wait waits for. `reached` pairs are there; `moving` pairs get there by themselves."""

    name: str
    label: str
    reached_states: frozenset[CloneState]
    moving_states: frozenset[CloneState]
    # PreCopy is activable once its copy got this far (by default its whole first cycle).
    complete_states: frozenset[CloneState] = frozenset()
    complete_percent: float = 100.0

    def reached(self, pair: PairView) -> bool:
        if pair.other_source is not None or pair.state is None:
            return False
        if pair.state in self.complete_states:
            # An unknown percent is not 0 and not 100: `by_state` decides those pairs.
            return pair.percent is not None and pair.percent >= self.complete_percent
        return pair.state in self.reached_states

    def by_state(self, pair: PairView) -> bool:
        """A pair whose state says it is there but whose percent copied the array did not give.

        OpenSVC activates on the PreCopy state whatever the percent; clonepilot waits for the
        percent when it can read one and, when it cannot, decides from the state once
        `symclone verify` confirms it.
        """
        if pair.other_source is not None or pair.state is None or pair.percent is not None:
            return False
        return pair.state in self.reached_states | self.complete_states

    def moving(self, pair: PairView) -> bool:
        return pair.other_source is None and pair.state in (self.moving_states | self.complete_states)

    def percent(self, snapshot: CloneSnapshot) -> float:
        """Progress towards the goal: a pair already there counts 100, a moving one its copy percent.

        A moving pair of unknown percent counts 0 here; `percent_known` says whether that happened.
        """
        if not snapshot.pairs:
            return 100.0
        return _overall(
            [PairProgress(100.0 if self.reached(p) else float(p.percent or 0)) for p in snapshot.pairs]
        )

    def percent_known(self, snapshot: CloneSnapshot) -> bool:
        return all(self.reached(p) or p.percent is not None for p in snapshot.pairs)


ACTIVABLE = WaitGoal(
    name="activable",
    label="activable state (recreated, created or precopy complete)",
    reached_states=frozenset({CloneState.RECREATED, CloneState.CREATED}),
    moving_states=frozenset({CloneState.CREATE_IN_PROG}),
    complete_states=frozenset({CloneState.PRECOPY}),
)
COPIED = WaitGoal(
    name="copied",
    label="copied state",
    reached_states=frozenset({CloneState.COPIED}),
    moving_states=frozenset({CloneState.COPY_IN_PROG}),
)


def off_path(goal: WaitGoal, snapshot: CloneSnapshot) -> tuple[PairView, ...]:
    return tuple(p for p in snapshot.pairs if not goal.reached(p) and not goal.moving(p))


def off_path_error(goal: WaitGoal, snapshot: CloneSnapshot, stray: tuple[PairView, ...]) -> PairStateError:
    return PairStateError(
        snapshot.rid,
        f"cannot reach the {goal.label}: {', '.join(p.describe() for p in stray)} "
        "cannot get there without another symclone action (session gone, failed, or in another phase); "
        "query the pairs and rerun the refresh from the start",
        stray,
    )


def _eta_text(eta: float | None) -> str:
    if eta is None:
        return "time left not known yet"
    return f"about {eta:.0f} s left"


# Asked when every pair is there by its state but some percent was unknown: True when
# `symclone verify` confirms the states, False to keep polling.
Confirm = Callable[[CloneSnapshot], bool]


def wait_for(
    ctx: RunContext,
    rid: str,
    goal: WaitGoal,
    read: Callable[[], CloneSnapshot],
    max_wait: float,
    confirm: Confirm | None = None,
) -> CloneSnapshot:
    """Poll `read` until every pair reached `goal`; raise WaitTimeout after `max_wait` seconds.

    Pairs whose percent the array did not give are judged by their state, and only once
    `confirm` agrees (one verify call), so an unknown percent never stalls the wait.
    """
    settings = ctx.settings
    low, high = settings.poll_interval_min, settings.poll_interval_max
    start = time.monotonic()
    deadline = start + max_wait
    samples: list[ProgressSample] = []
    last_log: float | None = None
    blind_polls = 0
    warned = False
    while True:
        snapshot = read()
        now = time.monotonic()
        stray = off_path(goal, snapshot)
        if stray:
            raise off_path_error(goal, snapshot, stray)
        percent = goal.percent(snapshot)
        known = goal.percent_known(snapshot)
        done = all(goal.reached(p) for p in snapshot.pairs)
        unknown = [p for p in snapshot.pairs if goal.by_state(p)]
        if unknown and all(goal.reached(p) or goal.by_state(p) for p in snapshot.pairs):
            if not warned:
                warned = True
                # A PreCopy decided without its percent may be activated before its copy is
                # complete (the activate then copies the rest): worth a warning. A Copied pair is
                # Copied whatever the percent.
                early = any(p.state in goal.complete_states for p in unknown)
                ctx.logger.log(
                    logging.WARNING if early else logging.INFO,
                    "%s: the array gives no percent copied for %d pair(s) (%s): deciding from the "
                    "pair state, confirmed by symclone verify",
                    rid,
                    len(unknown),
                    ", ".join(
                        f"{name}={count}"
                        for name, count in sorted(Counter(p.state_name for p in unknown).items())
                    ),
                )
            done = confirm is None or confirm(snapshot)
            now = time.monotonic()
        if known:
            samples = [*samples[-(MAX_SAMPLES - 1) :], ProgressSample(now, percent)]
        eta = 0.0 if done else (estimate_eta(samples) if known else None)
        states = dict(snapshot.states)
        ctx.progress(
            ProgressEvent(rid, goal.name, 100.0 if done else percent, eta, states, now - start, done, known)
        )
        if done:
            ctx.logger.info("%s: reached %s after %.1f s", rid, goal.label, now - start)
            return snapshot
        if now >= deadline:
            raise WaitTimeout(rid, goal.name, max_wait, snapshot, percent)
        if last_log is None or now - last_log >= LOG_EVERY:
            last_log = now
            ctx.logger.info(
                "%s: waiting for %s state: %s, %s (max %g s)",
                rid,
                goal.name,
                f"{percent:.0f}% copied"
                if known
                else f"percent copied unknown ({snapshot.describe_states()})",
                _eta_text(eta),
                max_wait,
            )
        blind_polls = blind_polls + 1 if eta is None else 0
        unknown = min(high, low * 2 ** max(blind_polls - 1, 0))
        interval = next_poll_interval(eta, min_interval=low, max_interval=high, unknown_interval=unknown)
        # Never sleep past the deadline: the last poll happens at the bound, not after it.
        ctx.stop.pause(min(interval, deadline - now))
