"""Fixtures for tests/analytics: every store test runs on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from kb.analytics.recorder import Analytics
from kb.analytics.routes import install
from kb.analytics.store import Store
from kb.api import create_app
from kb.config import Settings
from tests.analytics.postgres import PostgresServer
from tests.helpers.server import client, free_port, make_settings

ADMIN_KEY = "analytics-admin-key-0123456789"
CONTENT = Path(__file__).resolve().parents[2] / "content"


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


@dataclass
class Running:
    url: str
    analytics: Analytics
    settings: Settings

    def http(self) -> httpx.Client:
        return client(self.url)


@contextmanager
def serve_analytics(settings: Settings) -> Iterator[Running]:
    """kb with analytics on a free loopback port, built as create_app will build it once
    `install(app, service)` is called there (until then, installed here)."""
    app = create_app(settings)
    analytics = getattr(app.state, "analytics", None) or install(app, app.state.service)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("kb did not start")
        time.sleep(0.02)
    try:
        yield Running(f"http://127.0.0.1:{port}", analytics, settings)
    finally:
        server.should_exit = True
        thread.join(timeout=20)


@pytest.fixture()
def analytics_settings(default_index: Path, database_url: str) -> Settings:
    """Settings of the shipped help center with analytics in the test's database and an admin key."""
    return make_settings(default_index, CONTENT, database_url=database_url, admin_key=ADMIN_KEY)


@pytest.fixture()
def kb(analytics_settings: Settings) -> Iterator[Running]:
    """A running kb recording into the test's database."""
    with serve_analytics(analytics_settings) as running:
        yield running


class Captured(logging.Handler):
    """Records of the kb.analytics logger, whatever kb.logs did to propagation."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def warnings(self) -> list[str]:
        return [r.getMessage() for r in self.records if r.levelno == logging.WARNING]


@pytest.fixture()
def analytics_log() -> Iterator[Captured]:
    handler = Captured()
    logger = logging.getLogger("kb.analytics")
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
