"""kb with analytics on a real loopback server, and a log catcher, for tests/analytics."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn

from kb.analytics.recorder import Analytics
from kb.analytics.routes import install
from kb.api import create_app
from kb.config import Settings
from tests.helpers.server import client, free_port

ADMIN_KEY = "analytics-admin-key-0123456789"
CONTENT = Path(__file__).resolve().parents[2] / "content"


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


class Captured(logging.Handler):
    """Records of the kb.analytics logger, whatever kb.logs did to propagation."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def warnings(self) -> list[str]:
        return [r.getMessage() for r in self.records if r.levelno == logging.WARNING]
