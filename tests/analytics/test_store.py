"""The analytics store and its writer, on SQLite and PostgreSQL: schema, retention, batches."""

from __future__ import annotations

import os
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from kb.analytics.recorder import Analytics
from kb.analytics.store import (
    EventRecord,
    FeedbackRecord,
    SearchRecord,
    Store,
    events,
    feedback,
    normalize_url,
    searches,
    utcnow,
)
from kb.errors import ConfigError
from tests.helpers.logs import Captured


def a_search(sid: str, at: datetime, query: str = "where is my refund") -> SearchRecord:
    return SearchRecord(
        id=sid,
        at=at,
        query=query,
        query_norm=query,
        endpoint="/search",
        internal=False,
        answers=["returns-and-refunds"],
        confidence=0.9,
        fallback=False,
        channel="chat",
        latency_ms=2.5,
        results=3,
    )


def a_response(sid: str, query: str) -> dict[str, object]:
    """What kb.web.app hands a search listener (the response body plus endpoint and internal)."""
    return {
        "search_id": sid,
        "query": query,
        "answers": [{"article": "track-your-order", "section": "s"}],
        "confidence": 0.8,
        "fallback": False,
        "channel": {"id": "chat", "name": "Online chat"},
        "took_ms": 3.0,
        "total": 4,
        "endpoint": "/search",
        "internal": True,
    }


def test_schema_is_created_when_the_writer_starts(database_url: str) -> None:
    """Starting the writer creates the three tables (and an SQLite file's folder) before any search."""
    analytics = Analytics(Store.open(database_url), retention_days=90)
    analytics.start()
    assert analytics.flush()
    try:
        names = set(sa.inspect(analytics.store.engine).get_table_names())
        assert {"kb_searches", "kb_feedback", "kb_events"} <= names
        assert analytics.store.counts() == {"kb_searches": 0, "kb_feedback": 0, "kb_events": 0}
    finally:
        analytics.close()


def test_listener_records_are_masked_and_complete(database_url: str, store: Store) -> None:
    """A listener call becomes one row with the masked query, the top article and the internal flag."""
    analytics = Analytics(Store.open(database_url), retention_days=90)
    analytics.on_search(a_response("c" * 32, "Order 1234567890 for bob@example.com"))
    assert analytics.flush()
    analytics.close()
    [row] = store.read(
        sa.select(searches.c.query, searches.c.top_article, searches.c.internal, searches.c.answers)
    )
    assert row == ("Order [number] for [email]", "track-your-order", True, ["track-your-order"])


def test_retention_deletes_old_rows(database_url: str, store: Store) -> None:
    """At start the writer deletes searches, feedback and events older than retention_days, keeps the rest."""
    now = utcnow()
    old, recent = now - timedelta(days=31), now - timedelta(days=29)
    store.write(
        [
            a_search("1" * 32, old),
            a_search("2" * 32, recent),
            FeedbackRecord(search_id="1" * 32, helpful=True, at=old),
            FeedbackRecord(search_id="2" * 32, helpful=False, at=recent),
            EventRecord(search_id="1" * 32, type="answer_click", at=old, article="a"),
            EventRecord(search_id="2" * 32, type="channel_click", at=recent, channel="chat"),
        ]
    )
    assert store.counts() == {"kb_searches": 2, "kb_feedback": 2, "kb_events": 2}

    analytics = Analytics(Store.open(database_url), retention_days=30)
    analytics.start()
    assert analytics.flush()
    analytics.close()
    assert store.counts() == {"kb_searches": 1, "kb_feedback": 1, "kb_events": 1}
    assert store.read(sa.select(searches.c.id))[0][0] == "2" * 32
    assert store.read(sa.select(feedback.c.search_id))[0][0] == "2" * 32
    assert store.read(sa.select(events.c.search_id))[0][0] == "2" * 32

    assert store.purge_retention(1, now=now) == {"kb_searches": 1, "kb_feedback": 1, "kb_events": 1}
    assert store.counts() == {"kb_searches": 0, "kb_feedback": 0, "kb_events": 0}


def test_a_refused_record_does_not_hold_back_the_others(
    database_url: str, store: Store, analytics_log: Captured
) -> None:
    """A row the database refuses (a duplicate search id) is skipped with a warning; its batch is written."""
    analytics = Analytics(Store.open(database_url), retention_days=90)
    analytics.on_search(a_response("d" * 32, "first"))
    analytics.on_search(a_response("d" * 32, "same id again"))
    analytics.event("d" * 32, "answer_click", "track-your-order", None)
    analytics.on_search(a_response("e" * 32, "second"))
    assert analytics.flush()
    analytics.close()
    assert store.counts() == {"kb_searches": 2, "kb_feedback": 0, "kb_events": 1}
    assert sorted(r[0] for r in store.read(sa.select(searches.c.query))) == ["first", "second"]
    assert any("refused" in w for w in analytics_log.warnings())


def test_a_malformed_listener_record_is_skipped(
    database_url: str, store: Store, analytics_log: Captured
) -> None:
    """A listener record without the fields of a search response is logged and skipped, not raised."""
    analytics = Analytics(Store.open(database_url), retention_days=90)
    analytics.on_search({"unexpected": True})
    analytics.on_search(a_response("f" * 32, "fine"))
    assert analytics.flush()
    analytics.close()
    assert store.counts()["kb_searches"] == 1
    assert any("unexpected shape" in w for w in analytics_log.warnings())


def test_a_large_batch_reads_back_as_written(store: Store) -> None:
    """A batch larger than one INSERT statement holds is written whole; every value reads back as written."""
    at = datetime(2030, 1, 2, 3, 4, 5)  # no microseconds: stored with them all the same
    written = [
        SearchRecord(
            id=f"{i:032x}",
            at=at + timedelta(microseconds=i),
            query=f"café {i}",
            query_norm=f"cafe {i}",
            endpoint="/deflect" if i % 2 else "/search",
            internal=bool(i % 3),
            answers=[f"a-{i}", "b"][: i % 3],
            confidence=i / 1300,
            fallback=not i % 5,
            channel=None if i % 4 else "chat",
            latency_ms=0.5 * i,
            results=i,
        )
        for i in range(1234)
    ]
    clicks = [
        EventRecord(search_id=f"{i:032x}", type="answer_click", at=at, article=f"a-{i}")
        for i in range(700)
    ]
    store.write([*written, *clicks])
    got = store.read(sa.select(searches).order_by(searches.c.id))
    assert [row[:7] + row[8:] for row in got] == [
        (
            r.id,
            r.at,
            r.query,
            r.query_norm,
            r.endpoint,
            r.internal,
            r.answers,
            r.confidence,
            r.fallback,
            r.channel,
            r.latency_ms,
            r.results,
        )
        for r in written
    ]
    assert [row[7] for row in got] == [r.answers[0] if r.answers else None for r in written]
    assert store.read(
        sa.select(events.c.search_id, events.c.article, events.c.at).order_by(events.c.id)
    ) == [(c.search_id, c.article, c.at) for c in clicks]


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    """An SQLite store is in WAL mode, so the report reads while the writer writes."""
    s = Store.open(f"sqlite:///{tmp_path / 'deep' / 'er' / 'analytics.db'}")
    try:
        s.ensure_schema()
        assert (tmp_path / "deep" / "er" / "analytics.db").exists()
        with s.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        s.close()


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("postgres://u:p@127.0.0.1:5/db", "postgresql+psycopg"),
        ("postgresql://u:p@127.0.0.1:5/db", "postgresql+psycopg"),
        ("postgresql+psycopg://u:p@127.0.0.1:5/db", "postgresql+psycopg"),
        ("sqlite:///var/analytics.db", "sqlite"),
    ],
)
def test_database_urls_are_normalized(url: str, driver: str) -> None:
    """`postgres://` and `postgresql://` mean psycopg 3; SQLite files are taken as they are."""
    assert normalize_url(url).drivername == driver


@pytest.mark.parametrize("url", ["mysql://u@h/db", "sqlite://", "sqlite:///:memory:", "nonsense"])
def test_unusable_database_urls_are_refused(url: str) -> None:
    """Other databases, in-memory SQLite and non-URLs are a configuration error at start-up."""
    with pytest.raises(ConfigError):
        normalize_url(url)


def test_close_writes_what_is_still_queued(database_url: str, store: Store) -> None:
    """Records queued just before shutdown are written by close(), with no flush asked for."""
    analytics = Analytics(Store.open(database_url), retention_days=90)
    for i in range(250):
        analytics.on_search(a_response(f"{i:032x}", f"question {i}"))
    analytics.event(f"{0:032x}", "answer_click", "track-your-order", None)
    analytics.close()
    assert store.counts() == {"kb_searches": 250, "kb_feedback": 0, "kb_events": 1}


def test_a_writer_process_that_died_is_replaced(
    database_url: str, store: Store, analytics_log: Captured
) -> None:
    """The writer runs in a process of its own; when it dies, the next records start a new one."""
    analytics = Analytics(Store.open(database_url), retention_days=90)
    analytics.on_search(a_response("1" * 32, "before"))
    assert analytics.flush()
    first = analytics._process
    assert first is not None and first.pid != os.getpid()
    first.kill()
    first.wait()
    analytics.on_search(a_response("2" * 32, "after"))
    assert analytics.flush()
    analytics.close()
    assert sorted(r[0] for r in store.read(sa.select(searches.c.query))) == ["after", "before"]
    assert any("writer process ended" in w for w in analytics_log.warnings())


def test_a_writer_process_that_cannot_start_costs_the_records_not_the_searches(
    tmp_path: Path, analytics_log: Captured, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the writer process cannot be started (here: no interpreter at the path it is started
    with), recording never raises, the records are counted as dropped, a flush says they were not
    written, and a warning says why."""
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-such-python"))
    url = f"sqlite:///{tmp_path / 'analytics.db'}"
    analytics = Analytics(Store.open(url), retention_days=90)
    for i in range(3):
        analytics.on_search(a_response(f"{i:032x}", f"question {i}"))
    assert analytics.event(f"{0:032x}", "answer_click", "track-your-order", None)
    assert not analytics.flush(timeout=2.0)
    analytics.close()
    assert analytics.dropped == 4
    assert any("cannot be started" in w for w in analytics_log.warnings())
