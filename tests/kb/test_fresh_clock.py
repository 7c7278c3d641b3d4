"""Timers on the monotonic clock hold on a machine that booted seconds ago.

`time.monotonic()` counts from boot, so a moment stored as 0.0 ("never") reads as "just now" on a
machine up for less than the interval it is compared with. These tests show each timer such a clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from kb.analytics.recorder import Analytics
from kb.analytics.store import Store
from kb.analytics.writer import Writer
from kb.engine.snapshot import SnapshotHolder

BOOTED_S_AGO = 5.0


@pytest.fixture()
def fresh_clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[], float]:
    """`time.monotonic` reads as on a machine booted BOOTED_S_AGO seconds ago, and goes on ticking."""
    real = time.monotonic
    start = real()

    def booted_just_now() -> float:
        return BOOTED_S_AGO + (real() - start)

    monkeypatch.setattr(time, "monotonic", booted_just_now)
    assert time.monotonic() < 60
    return booted_just_now


def test_holder_opens_the_index_at_the_first_get(
    fresh_clock: Callable[[], float], default_index: Path
) -> None:
    """A holder polling once an hour opens the published version at its first get(), whatever the uptime."""
    holder = SnapshotHolder(default_index, interval_s=3600)
    try:
        snap = holder.get()
        assert snap.chunks > 0
        assert holder.reloads == 1
    finally:
        holder.close()


def test_holder_without_index_reports_it_and_waits_the_interval(
    fresh_clock: Callable[[], float], tmp_path: Path
) -> None:
    """With no index, the first get() looks (and says so); a second within the interval does not look again."""
    holder = SnapshotHolder(tmp_path / "index", interval_s=3600)
    try:
        with pytest.raises(Exception, match="no index has been built"):
            holder.get()
        holder.error = None
        with pytest.raises(Exception, match="no index in"):
            holder.get()
    finally:
        holder.close()


def a_response(sid: str) -> dict[str, object]:
    """The body a search listener is handed."""
    return {
        "search_id": sid,
        "query": "where is my refund",
        "confidence": 0.8,
        "fallback": False,
        "answers": [{"article": "returns-and-refunds", "section": "s"}],
        "channel": {"id": "chat"},
        "took_ms": 3.0,
        "total": 4,
        "endpoint": "/search",
        "internal": False,
    }


def test_writer_writes_and_purges_on_a_fresh_clock(
    fresh_clock: Callable[[], float], tmp_path: Path
) -> None:
    """A new writer thread writes queued searches at once and schedules its next purge, seconds after boot."""
    store = Store.open(f"sqlite:///{tmp_path / 'analytics.sqlite'}")
    writer = Writer(store, retention_days=90)
    try:
        writer.start()
        assert writer.put("search", a_response("s1"), time.time())
        assert writer.flush()
        assert writer.written == 1
        assert store.counts()["kb_searches"] == 1
        assert writer._next_due() > fresh_clock() + 60  # the next purge is an interval away
    finally:
        writer.close()


def test_recorder_starts_its_writer_process_on_a_fresh_clock(
    fresh_clock: Callable[[], float], tmp_path: Path
) -> None:
    """The request side starts its writer process at the first search, seconds after boot."""
    analytics = Analytics(
        Store.open(f"sqlite:///{tmp_path / 'analytics.sqlite'}"), retention_days=90
    )
    try:
        analytics.start()
        analytics.on_search(a_response("s1"))
        assert analytics.flush()
        assert analytics.store.counts()["kb_searches"] == 1
    finally:
        analytics.close()
