"""Progress, ETA and poll-interval arithmetic."""

from __future__ import annotations

import pytest

from clonepilot.symcli import (
    PairProgress,
    ProgressSample,
    estimate_eta,
    next_poll_interval,
    overall_percent,
    smoothed_rate,
)


def test_overall_percent_mean_when_sizes_unknown() -> None:
    assert overall_percent([PairProgress(25), PairProgress(100)]) == pytest.approx(62.5)


def test_overall_percent_track_weighted_from_protected_tracks() -> None:
    # §9.1: two 81920-track devices, 61440 and 0 tracks still protected.
    pairs = [PairProgress(25, 81920, 61440), PairProgress(100, 81920, 0)]
    assert overall_percent(pairs) == pytest.approx(62.5)
    # A big slow pair dominates a small finished one.
    pairs = [PairProgress(10, 900_000, 810_000), PairProgress(100, 100_000, 0)]
    assert overall_percent(pairs) == pytest.approx(19.0)


def test_overall_percent_weighted_by_percent_when_protected_unknown() -> None:
    assert overall_percent([PairProgress(50, 300), PairProgress(0, 100)]) == pytest.approx(37.5)


def test_overall_percent_mixed_knowledge_falls_back_to_mean_and_clamps() -> None:
    assert overall_percent([PairProgress(50, 300), PairProgress(150)]) == pytest.approx(75.0)
    with pytest.raises(ValueError):
        overall_percent([])


def test_eta_none_without_progress() -> None:
    assert estimate_eta([]) is None
    assert estimate_eta([ProgressSample(0, 10)]) is None
    assert estimate_eta([ProgressSample(0, 10), ProgressSample(30, 10)]) is None


def test_eta_linear_progress() -> None:
    samples = [ProgressSample(t, t / 2) for t in (0, 10, 20, 30)]  # 0.5 %/s
    assert smoothed_rate(samples) == pytest.approx(0.5)
    assert estimate_eta(samples) == pytest.approx((100 - 15) / 0.5)


def test_eta_zero_when_complete() -> None:
    assert estimate_eta([ProgressSample(0, 40), ProgressSample(5, 100)]) == 0.0


def test_rate_smoothing_weights_recent_steps() -> None:
    samples = [ProgressSample(0, 0), ProgressSample(10, 10), ProgressSample(20, 40)]  # 1 then 3 %/s
    assert smoothed_rate(samples, alpha=0.5) == pytest.approx(2.0)
    assert smoothed_rate(samples, alpha=1.0) == pytest.approx(3.0)
    with pytest.raises(ValueError):
        smoothed_rate(samples, alpha=0)


def test_percent_drop_restarts_the_estimate() -> None:
    # A recreate restarts the copy: the fast earlier rate must not leak into the new one.
    samples = [ProgressSample(0, 0), ProgressSample(10, 90), ProgressSample(20, 0), ProgressSample(30, 1)]
    assert smoothed_rate(samples) == pytest.approx(0.1)


def test_duplicate_timestamps_are_ignored() -> None:
    samples = [ProgressSample(0, 0), ProgressSample(0, 5), ProgressSample(10, 15)]
    assert smoothed_rate(samples) == pytest.approx(1.0)


def test_poll_interval_bounds_and_shape() -> None:
    assert next_poll_interval(None) == 10.0
    assert next_poll_interval(None, unknown_interval=100, max_interval=30) == 30.0
    assert next_poll_interval(3600.0) == 60.0  # long copy: poll rarely
    assert next_poll_interval(20.0) == 10.0
    assert next_poll_interval(1.5) == 1.0  # near the end: as often as allowed
    assert next_poll_interval(0.0, min_interval=0.5) == 0.5
    with pytest.raises(ValueError):
        next_poll_interval(10.0, min_interval=5, max_interval=1)
    with pytest.raises(ValueError):
        next_poll_interval(10.0, fraction=0)


def test_waiting_loop_sees_completion_within_a_second() -> None:
    # Simulated copy at a steady 0.37 %/s from 0: the poller must notice 100% within
    # min_interval (1 s) of the array getting there, and not poll wastefully often meanwhile.
    rate = 0.37
    finish = 100 / rate
    now, samples, polls = 0.0, [ProgressSample(0.0, 0.0)], 0
    while True:
        wait = next_poll_interval(estimate_eta(samples), min_interval=1.0, max_interval=60.0)
        now += wait
        polls += 1
        percent = min(100.0, rate * now)
        samples.append(ProgressSample(now, percent))
        if percent >= 100.0:
            break
    assert now - finish <= 1.0 + 1e-9
    assert polls < 40
