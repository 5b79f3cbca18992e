"""CloneSet waits against the simulated array: adaptive polls, progress, timeouts, early failure."""

from __future__ import annotations

import logging
import time

import pytest

from clonepilot.engine.clones import PairStateError, WaitTimeout, clone_set
from clonepilot.engine.context import ProgressEvent
from clonepilot.symcli import CloneState
from tests.engine.conftest import sync_section
from tests.plugins.symsim import FAST_TRACKS_PER_SEC, SymsimArray

COPY_SECONDS = 2 * 8192 / FAST_TRACKS_PER_SEC  # two 1 GB pairs sharing the array's bandwidth


def test_wait_copied_reports_rising_progress_and_returns_within_a_second(
    make_service, make_ctx, symsim_calls, caplog
):
    events: list[ProgressEvent] = []
    # No precopy: the whole copy happens after activate, so its end is known from the activate call.
    ctx = make_ctx(make_service(sync_section(precopy=False)), progress=events.append)
    cs = clone_set(ctx, ctx.service.syncs[0])
    cs.provision()
    assert cs.wait_activable().all_in([CloneState.CREATED])
    cs.activate()
    (activate,) = symsim_calls("symclone", "activate")
    events.clear()
    with caplog.at_level(logging.INFO, logger="clonepilot"):
        snapshot = cs.wait_copied()
    returned = time.time()
    assert snapshot.all_in([CloneState.COPIED])
    # The copy cannot end before activate's start + COPY_SECONDS, and is over by its end + COPY_SECONDS.
    assert returned >= activate["start"] + COPY_SECONDS - 0.05
    assert returned - (activate["end"] + COPY_SECONDS) < 1.0
    percents = [event.percent for event in events]
    assert len(events) >= 3 and percents == sorted(percents)
    assert 0 < percents[1] < 100 and events[-1].done and percents[-1] == 100
    assert all(not event.done for event in events[:-1])
    assert {event.rid for event in events} == {"sync#1"} and events[0].waiting_for == "copied"
    assert any(event.eta_seconds is not None and event.eta_seconds > 0 for event in events)
    assert events[-1].states == {"Copied": 2} and events[-1].elapsed > 0
    waiting_lines = [r.getMessage() for r in caplog.records if "waiting for copied state" in r.getMessage()]
    assert waiting_lines and waiting_lines[0].startswith("sync#1: waiting for copied state: ")
    assert waiting_lines[0].endswith("(max 30 s)") and "% copied" in waiting_lines[0]
    # At most one progress line every few seconds, however often it polls; polls log at DEBUG.
    assert len(waiting_lines) <= 1 + COPY_SECONDS / 5
    info_polls = [r for r in caplog.records if "symdev" in r.getMessage() and r.levelno >= logging.INFO]
    assert info_polls == [] and len(ctx.journal.snapshot()) >= 3 + len(events)


def test_wait_times_out_on_a_stalled_copy(make_service, make_ctx, symsim_array: SymsimArray):
    ctx = make_ctx(make_service(sync_section(precopy=False)))
    cs = clone_set(ctx, ctx.service.syncs[0])
    symsim_array.admin("fault", "add", "symclone:activate", "none", "--stall-at", "50")
    cs.provision()
    cs.activate()
    started = time.monotonic()
    with pytest.raises(WaitTimeout) as caught:
        cs.wait_copied(max_wait=1.5)
    elapsed = time.monotonic() - started
    assert 1.5 <= elapsed < 3.0
    error = caught.value
    assert error.rid == "sync#1" and error.waiting_for == "copied" and error.max_wait == 1.5
    assert error.percent == 50 and error.snapshot.states == {"CopyInProg": 2}
    message = str(error)
    assert message.startswith("sync#1: timed out waiting for copied state after 1.5 s: reached 50%")
    assert "00100:00110 (CopyInProg 50%)" in message


def test_wait_fails_at_once_when_the_state_cannot_be_reached(make_service, make_ctx, symsim_calls):
    ctx = make_ctx(make_service(sync_section()))
    cs = clone_set(ctx, ctx.service.syncs[0])
    with pytest.raises(PairStateError) as no_session:
        cs.wait_activable()
    assert "00100:00110 (NoSession)" in str(no_session.value)
    cs.provision()
    started = time.monotonic()
    with pytest.raises(PairStateError) as not_activated:
        cs.wait_copied()  # PreCopy never becomes Copied without an activate
    assert time.monotonic() - started < 1.0
    assert "cannot reach the copied state: 00100:00110 (PreCopy" in str(not_activated.value)
    assert len(symsim_calls("symdev")) == 3  # provision's read and one poll per wait


def test_pair_leaving_the_path_mid_wait_fails_the_wait(make_service, make_ctx, symsim_array: SymsimArray):
    terminated: list[bool] = []

    def terminate_behind_our_back(event: ProgressEvent) -> None:
        # Another admin terminates the sessions while we wait.
        if event.waiting_for == "copied" and not terminated:
            terminated.append(True)
            pairs = symsim_array.home / "by-hand.pairs"
            pairs.write_text("00100 00110\n00101 00111")
            done = symsim_array.run(
                "symclone", "-sid", symsim_array.sid, "-f", str(pairs), "-nop", "terminate"
            )
            assert done.returncode == 0, done.stderr

    symsim_array.admin("fault", "add", "symclone:activate", "none", "--stall-at", "50")
    ctx = make_ctx(make_service(sync_section(precopy=False)), progress=terminate_behind_our_back)
    cs = clone_set(ctx, ctx.service.syncs[0])
    cs.provision()
    cs.activate()
    started = time.monotonic()
    with pytest.raises(PairStateError) as caught:
        cs.wait_copied(max_wait=30)
    assert time.monotonic() - started < 3.0
    assert "00100:00110 (NoSession)" in str(caught.value) and "session gone" in str(caught.value)


def test_a_precopy_held_below_100_is_activable_at_precopy_activate_percent(
    make_service, make_ctx, symsim_array: SymsimArray
):
    # Heavy source writes keep a real precopy below 100%: here it stops at 60%.
    symsim_array.admin("fault", "add", "symclone:create", "none", "--stall-at", "60")
    strict = make_ctx(make_service(sync_section()))
    cs = clone_set(strict, strict.service.syncs[0])
    cs.provision()
    with pytest.raises(WaitTimeout) as caught:
        cs.wait_activable(max_wait=COPY_SECONDS + 1.0)  # the default, 100%, never comes
    assert caught.value.percent == 60

    lenient = make_ctx(strict.service, precopy_activate_percent=50)
    snapshot = clone_set(lenient, lenient.service.syncs[0]).wait_activable(max_wait=30)
    assert snapshot.states == {"PreCopy": 2} and {p.percent for p in snapshot.pairs} == {60}
