"""Copy progress over a resource's pairs, an ETA estimate and the next poll interval.

All pure: the flow keeps the samples and the clock; these functions only compute.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class PairProgress:
    """One pair's copy progress. `total_tracks` weights the pair when known."""

    percent: float
    total_tracks: int | None = None
    protected_tracks: int | None = None


@dataclass(frozen=True)
class ProgressSample:
    """Overall percent at a moment (seconds, any monotonic origin)."""

    time: float
    percent: float


def overall_percent(pairs: Sequence[PairProgress]) -> float:
    """Percent copied over all pairs: track-weighted when every pair's size is known, else the mean.

    With protected tracks known the copied fraction is exact (total - protected); otherwise
    the pair's percent is weighted by its size.
    """
    if not pairs:
        raise ValueError("no pairs to measure")
    if all(pair.total_tracks for pair in pairs):
        total = sum(pair.total_tracks or 0 for pair in pairs)
        copied = 0.0
        for pair in pairs:
            size = pair.total_tracks or 0
            if pair.protected_tracks is not None:
                copied += size - min(max(pair.protected_tracks, 0), size)
            else:
                copied += size * _clamp(pair.percent, 0.0, 100.0) / 100.0
        return 100.0 * copied / total
    return sum(_clamp(pair.percent, 0.0, 100.0) for pair in pairs) / len(pairs)


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def smoothed_rate(samples: Sequence[ProgressSample], *, alpha: float = 0.5) -> float | None:
    """Percent per second, exponentially smoothed over successive samples (newest weighs `alpha`).

    Only samples after the last drop in percent count (a recreate restarts the copy). None
    when fewer than two usable samples exist or no progress was seen yet.
    """
    if not 0.0 < alpha <= 1.0:
        raise ValueError("alpha must be in (0, 1]")
    start = 0
    for index in range(1, len(samples)):
        if samples[index].percent < samples[index - 1].percent:
            start = index
    usable = samples[start:]
    rate: float | None = None
    for previous, current in itertools.pairwise(usable):
        elapsed = current.time - previous.time
        if elapsed <= 0:
            continue
        step = (current.percent - previous.percent) / elapsed
        rate = step if rate is None else alpha * step + (1.0 - alpha) * rate
    if rate is None or rate <= 0.0:
        return None
    return rate


def estimate_eta(samples: Sequence[ProgressSample], *, alpha: float = 0.5) -> float | None:
    """Seconds until 100%, from the newest sample and the smoothed rate; None without progress."""
    if not samples:
        return None
    remaining = 100.0 - samples[-1].percent
    if remaining <= 0.0:
        return 0.0
    rate = smoothed_rate(samples, alpha=alpha)
    if rate is None:
        return None
    return remaining / rate


def next_poll_interval(
    eta: float | None,
    *,
    min_interval: float = 1.0,
    max_interval: float = 60.0,
    unknown_interval: float = 10.0,
    fraction: float = 0.5,
) -> float:
    """Seconds to wait before the next poll.

    A fraction of the ETA, so the waits shrink geometrically as the copy nears its end and the
    flow sees completion within about `min_interval` of it; long copies poll rarely. Without an
    ETA (no progress yet) `unknown_interval` is used. Always within [min_interval, max_interval].
    """
    if min_interval <= 0 or max_interval < min_interval:
        raise ValueError("need 0 < min_interval <= max_interval")
    if not 0.0 < fraction <= 1.0:
        raise ValueError("fraction must be in (0, 1]")
    wanted = unknown_interval if eta is None else eta * fraction
    return _clamp(wanted, min_interval, max_interval)
