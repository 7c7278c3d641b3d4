"""A bounded load test on 127.0.0.1: concurrent clients with a reindex in the middle, zero errors,
memory growth within the documented bound; the figures are printed (they are not asserted: latency
is measured in bench/, not pinned in tests)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.load.scenario import MAX_GROWTH_MIB, run


@pytest.mark.slow
def test_sixteen_connections_for_fifteen_seconds_with_a_reindex(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """16 connections × 15 s with a full reindex midway: no failed request, the new version served
    afterwards, server memory growth within MAX_GROWTH_MIB."""
    figures = run(tmp_path, connections=16, seconds=15)
    with capsys.disabled():
        print("\nload (16 × 15 s):", json.dumps(figures.report(), ensure_ascii=False))
    assert figures.load.requests > 0
    assert not figures.load.errors, figures.load.errors[:10]
    assert figures.reindexed_version, figures.reindex
    assert figures.served_version == figures.reindexed_version
    assert figures.within_memory_bound(), (
        f"RSS grew {figures.growth_kib / 1024:.1f} MiB (bound {MAX_GROWTH_MIB} MiB)"
    )
