"""The ASGI entry point of `kb serve` (uvicorn factory) and of `uvicorn kb.server.main:create --factory`."""

from __future__ import annotations

from fastapi import FastAPI

from kb import logs
from kb.config import get_settings
from kb.web.app import create_app


def create() -> FastAPI:
    settings = get_settings()
    logs.configure(settings.log_level, settings.log_format, settings.env)
    return create_app(settings)
