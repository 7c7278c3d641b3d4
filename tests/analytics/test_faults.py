"""An analytics store that is away never fails a search: a logged warning, buffered rows, a 503 report."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kb.config import Settings
from tests.analytics.postgres import PostgresServer
from tests.analytics.service import ADMIN_KEY, CONTENT, Running, serve_analytics
from tests.helpers.logs import Captured
from tests.helpers.server import free_port, make_settings

QUESTIONS = ["where is my refund", "track my order", "pay with bitcoin"]


def closed_port_url(_: Path) -> str:
    return f"postgresql+psycopg://kb@127.0.0.1:{free_port()}/analytics"


def sqlite_under_a_file(tmp: Path) -> str:
    blocker = tmp / "not-a-folder"
    blocker.write_text("a file where the database's folder should be")
    return f"sqlite:///{blocker / 'analytics.db'}"


def searches_still_work(kb: Running) -> None:
    with kb.http() as http:
        for q in QUESTIONS:
            response = http.get("/search", params={"q": q})
            assert response.status_code == 200
            assert response.json()["search_id"]
        posted = http.post("/search", json={"q": "cancel an order"})
        assert posted.status_code == 200
        assert (
            http.post("/deflect", json={"subject": "refund", "body": "where is it"}).status_code
            == 200
        )
        sid = posted.json()["search_id"]
        assert http.post("/feedback", json={"search_id": sid, "helpful": True}).status_code == 202
        click = http.post(
            "/events", json={"search_id": sid, "type": "channel_click", "channel": "chat"}
        )
        assert click.status_code == 202


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param(sqlite_under_a_file, id="sqlite-unwritable"),
        pytest.param(closed_port_url, id="postgres-closed-port", marks=pytest.mark.postgres),
    ],
)
def test_unavailable_store_degrades_to_a_warning(
    broken: object, default_index: Path, tmp_path: Path, analytics_log: Captured
) -> None:
    """With the store unreachable from the start, searches answer 200, a warning is logged, the report is 503."""
    url = broken(tmp_path)  # type: ignore[operator]
    settings = make_settings(default_index, CONTENT, database_url=url, admin_key=ADMIN_KEY)
    with serve_analytics(settings) as kb:
        searches_still_work(kb)
        with kb.http() as http:
            report = http.get("/admin/report", headers={"x-admin-key": ADMIN_KEY})
            assert http.get("/readyz").status_code == 200
        assert report.status_code == 503
        assert report.json() == {
            "error": "analytics_unavailable",
            "detail": "the analytics store cannot be read right now",
        }
        assert not kb.analytics.flush(timeout=2)
    warnings = analytics_log.warnings()
    assert any("analytics store unavailable; searches go on" in w for w in warnings)
    assert any("not written at shutdown" in w for w in warnings)


@pytest.fixture()
def own_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server of this test's own, which it may stop and start."""
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.remove()


@pytest.mark.postgres
def test_postgres_stopped_mid_run(
    own_postgres: PostgresServer, default_index: Path, analytics_log: Captured
) -> None:
    """PostgreSQL going away mid-run: searches go on (200), rows wait in the buffer and land when it is back."""
    url = own_postgres.create_database()
    settings: Settings = make_settings(
        default_index, CONTENT, database_url=url, admin_key=ADMIN_KEY
    )
    key = {"x-admin-key": ADMIN_KEY}
    with serve_analytics(settings) as kb, kb.http() as http:
        for q in QUESTIONS:
            assert http.get("/search", params={"q": q}).status_code == 200
        assert http.get("/admin/report", headers=key).json()["totals"]["searches"] == 3

        own_postgres.stop()
        searches_still_work(kb)  # 5 more searches, a vote and a click
        assert http.get("/admin/report", headers=key).status_code == 503
        assert any("analytics store unavailable" in w for w in analytics_log.warnings())

        own_postgres.start()
        back = http.get("/admin/report", headers=key)
        assert back.status_code == 200
        totals = back.json()["totals"]
        assert (totals["searches"], totals["feedback"], totals["events"]) == (8, 1, 1)
    assert any("available again" in r.getMessage() for r in analytics_log.records)
