"""kb with analytics on a real loopback server, and a log catcher, for tests/analytics."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from kb.analytics.recorder import Analytics
from kb.config import Settings
from kb.web.app import create_app
from tests.helpers.server import client, serve_app

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
    """kb with analytics (installed by create_app) on a free loopback port."""
    app = create_app(settings)
    analytics: Analytics = app.state.analytics
    with serve_app(app) as url:
        yield Running(url, analytics, settings)
