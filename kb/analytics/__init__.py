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

from typing import TYPE_CHECKING

import lazy_loader

if TYPE_CHECKING:
    from kb.analytics.privacy import mask as mask
    from kb.analytics.recorder import Analytics as Analytics
    from kb.analytics.report import Report as Report
    from kb.analytics.report import build as build
    from kb.analytics.store import Store as Store
    from kb.analytics.store import StoreError as StoreError
    from kb.analytics.store import StoreUnavailableError as StoreUnavailableError

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "privacy": ["mask"],
        "recorder": ["Analytics"],
        "report": ["Report", "build"],
        "store": ["Store", "StoreError", "StoreUnavailableError"],
    },
)
