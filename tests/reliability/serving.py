"""Serving an app object this suite built itself (to reach `app.state.service`), on loopback."""

from tests.helpers.server import serve_app

__all__ = ["serve_app"]
