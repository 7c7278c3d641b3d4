"""A real uvicorn server on a free loopback port, in a thread of the test process."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from kb.cli import server_config
from kb.config import Settings
from kb.web.app import create_app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_settings(index_dir: Path, content_dir: Path, **overrides: Any) -> Settings:
    """Settings for a test: no .env file, development mode, fast reload checks, no rate limit."""
    values: dict[str, Any] = {
        "env": "development",
        "index_dir": index_dir,
        "content_dir": content_dir,
        "reload_interval_s": 0.05,
        "rate_limit_per_minute": 0,
        "database_url": f"sqlite:///{index_dir.parent / 'analytics.db'}",
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@contextmanager
def serve_app(app: FastAPI) -> Iterator[str]:
    """Serve an app already created on 127.0.0.1:<free port>; yields the base URL, stops after."""
    port = free_port()
    config = server_config(app, "127.0.0.1", port, lifespan="on")  # as `kb serve` serves
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("kb did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


@contextmanager
def serve(settings: Settings) -> Iterator[str]:
    """Start kb on 127.0.0.1:<free port>; yields the base URL; stops the server afterwards."""
    with serve_app(create_app(settings)) as url:
        yield url


def client(base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, timeout=30)
