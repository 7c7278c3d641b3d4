"""Search analytics: what customers asked, what they clicked, what helped — and the report on it.

    privacy    masks e-mail addresses, phone and order numbers before anything is stored
    store      the tables (SQLite or PostgreSQL) and their writes, reads and retention
    recorder   `Analytics`: the search listener; pipes records to the writer process
    writer     that process (`python -m kb.analytics.writer`): masks, batches, writes, retries
    report     the content team's report (JSON model, terminal tables); page: its HTML
    labels     labeled questions from what followed searches, for `kb calibrate --from-analytics`
    routes     `install(app, service)`: POST /feedback, POST /events, GET /admin/report
    cli        `kb report`

The names below load their module on first use, so that `kb --help` does not import SQLAlchemy.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kb.analytics.privacy import mask
    from kb.analytics.recorder import Analytics
    from kb.analytics.report import Report, build
    from kb.analytics.store import Store, StoreError, StoreUnavailableError

__all__ = ["Analytics", "Report", "Store", "StoreError", "StoreUnavailableError", "build", "mask"]

_HOME = {
    "Analytics": "recorder",
    "Report": "report",
    "Store": "store",
    "StoreError": "store",
    "StoreUnavailableError": "store",
    "build": "report",
    "mask": "privacy",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(import_module(f"kb.analytics.{_HOME[name]}"), name)
    raise AttributeError(f"module 'kb.analytics' has no attribute {name!r}")
