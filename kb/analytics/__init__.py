"""Search analytics: what customers asked, what they clicked, what helped — and the report on it.

    privacy    masks e-mail addresses, phone and order numbers before anything is stored
    store      the tables (SQLite or PostgreSQL) and their writes, reads and retention
    recorder   `Analytics`: the search listener and the background writer
    report     the content team's report (JSON model, terminal tables); page: its HTML
    routes     `install(app, service)`: POST /feedback, POST /events, GET /admin/report
    cli        `kb report`
"""

from kb.analytics.privacy import mask
from kb.analytics.recorder import Analytics
from kb.analytics.report import Report, build
from kb.analytics.store import Store, StoreError, StoreUnavailableError

__all__ = ["Analytics", "Report", "Store", "StoreError", "StoreUnavailableError", "build", "mask"]
