"""Latency samples and their summary: percentiles, mean, throughput; ratios against a baseline."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def percentile(sorted_values: list[float], p: float) -> float:
    """The p-th percentile (0..100) of already sorted values, linearly interpolated; NaN if none."""
    if not sorted_values:
        return float("nan")
    k = (len(sorted_values) - 1) * p / 100.0
    lo = math.floor(k)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


@dataclass
class Latency:
    """Seconds per operation, as measured one by one."""

    samples: list[float] = field(default_factory=list)
    errors: int = 0

    def time(self, fn: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        result = fn()
        self.samples.append(time.perf_counter() - started)
        return result

    def summary(self) -> dict[str, float | int]:
        """Count, mean and p50/p95/p99/max in milliseconds, and operations per second of busy time."""
        s = sorted(self.samples)
        total = sum(s)
        return {
            "n": len(s),
            "errors": self.errors,
            "mean_ms": total / len(s) * 1000 if s else float("nan"),
            "p50_ms": percentile(s, 50) * 1000,
            "p95_ms": percentile(s, 95) * 1000,
            "p99_ms": percentile(s, 99) * 1000,
            "max_ms": s[-1] * 1000 if s else float("nan"),
            "ops_per_s": len(s) / total if total > 0 else float("nan"),
        }


def ratio(value: float | int | None, baseline: float | int | None) -> float:
    """value / baseline, NaN when either is missing or the baseline is zero."""
    if value is None or baseline is None or not baseline or math.isnan(float(baseline)):
        return float("nan")
    return float(value) / float(baseline)


def median(values: Iterable[float]) -> float:
    s = sorted(values)
    return percentile(s, 50)


def tree_bytes(path: Path) -> int:
    """The size of a file or of every file under a folder."""
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
