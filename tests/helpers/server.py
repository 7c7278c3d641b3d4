"""A real uvicorn server on a free loopback port, in a thread of the test process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
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


REPO_ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def serve_process(
    tmp_path: Path, content: Path, index: Path, workers: int, **env: str
) -> Iterator[str]:
    """`kb serve --workers N` of this checkout (its own code, not an installed copy's) over `index`
    (built first when it has no version) as a process on a free loopback port, every worker ready;
    yields the base URL; it must end with 0 on SIGTERM."""
    port = free_port()
    environ = {
        **os.environ,
        "KB_ENV": "development",
        "KB_RATE_LIMIT_PER_MINUTE": "0",
        "KB_DATABASE_URL": f"sqlite:///{tmp_path / 'analytics.db'}",
        **env,
    }
    cmd = [sys.executable, "-m", "kb", "serve", "--port", str(port), "--workers", str(workers)]
    cmd += ["--content", str(content), "--index", str(index)]
    log = tmp_path / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            cmd, env=environ, cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not (_ready(base) and len(_spawned(proc.pid)) == (workers if workers > 1 else 0)):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0, log.read_text()


def _ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/readyz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def _spawned(parent: int) -> list[int]:
    """The parent's worker processes (multiprocessing's spawned children)."""
    found = []
    for pid in Path(f"/proc/{parent}/task/{parent}/children").read_text().split():
        try:
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(int(pid))
        except OSError:  # it ended meanwhile
            pass
    return found
