"""Timing and summary helpers: medians and spreads, never a single run."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Stats:
    """A sample summarised: median, 10th/90th/95th percentiles, extremes."""

    n: int
    median: float
    p10: float
    p90: float
    p95: float
    low: float
    high: float

    @classmethod
    def of(cls, values: list[float]) -> Stats:
        ordered = sorted(values)
        return cls(
            n=len(ordered),
            median=statistics.median(ordered),
            p10=_percentile(ordered, 10),
            p90=_percentile(ordered, 90),
            p95=_percentile(ordered, 95),
            low=ordered[0],
            high=ordered[-1],
        )

    def spread(self) -> float:
        """Relative spread: (p90 − p10) / median."""
        return (self.p90 - self.p10) / self.median if self.median else 0.0


def _percentile(ordered: list[float], pct: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * pct / 100
    lower = int(rank)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (rank - lower)


def timed(fn: Callable[[], object]) -> float:
    """Seconds one call takes (perf_counter)."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def interleaved(
    subject: Callable[[], object], baseline: Callable[[], object], *, repeats: int, warmup: int = 1
) -> tuple[list[float], list[float]]:
    """Time subject and baseline alternately (ABAB…), so drift (caches, autovacuum, CPU boost) hits both."""
    for _ in range(warmup):
        subject()
        baseline()
    subject_times, baseline_times = [], []
    for i in range(repeats):
        pair = ((subject, subject_times), (baseline, baseline_times))
        for fn, out in pair if i % 2 == 0 else reversed(pair):
            out.append(timed(fn))
    return subject_times, baseline_times
