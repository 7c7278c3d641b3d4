"""Fixtures for tests/analytics: every store test runs on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kb.analytics.store import Store
from kb.config import Settings
from tests.analytics.postgres import PostgresServer
from tests.analytics.service import ADMIN_KEY, CONTENT, Running, serve_analytics
from tests.helpers.logs import Captured, captured
from tests.helpers.server import make_settings


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL server for the session (each test gets its own database)."""
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.remove()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty analytics database: an SQLite file, or a new database on the PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'var' / 'analytics.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database()


@pytest.fixture()
def store(database_url: str) -> Iterator[Store]:
    """A Store on the test's database (for reading what the service wrote)."""
    s = Store.open(database_url)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture()
def analytics_settings(default_index: Path, database_url: str) -> Settings:
    """Settings of the shipped help center with analytics in the test's database and an admin key."""
    return make_settings(default_index, CONTENT, database_url=database_url, admin_key=ADMIN_KEY)


@pytest.fixture()
def kb(analytics_settings: Settings) -> Iterator[Running]:
    """A running kb recording into the test's database."""
    with serve_analytics(analytics_settings) as running:
        yield running


@pytest.fixture()
def analytics_log() -> Iterator[Captured]:
    """What kb.analytics logs during the test."""
    with captured("kb.analytics") as handler:
        yield handler
