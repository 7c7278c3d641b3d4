"""`kb serve` as a separate process on a free loopback port: its pid (for memory), its log output."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.load.memory import rss_kib

KB = Path(sys.executable).with_name("kb")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class KbProcess:
    """A running `kb serve`: its base URL, process, and the file its stderr (the log) goes to."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_kib(self) -> int:
        """Resident memory of the server process now (VmRSS from /proc), in KiB."""
        return rss_kib(self.pid)

    def log(self) -> str:
        """Everything the server has written to stdout and stderr so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> int:
        """Stop the server gracefully (SIGTERM; SIGKILL after 30 s); its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return int(self.process.returncode)


@contextmanager
def kb_serve(
    index_dir: Path,
    content_dir: Path,
    env: dict[str, str] | None = None,
    ready_s: float = 60.0,
    wait_for: str = "/readyz",
) -> Iterator[KbProcess]:
    """Start `kb serve` on 127.0.0.1:<free port> and wait until `wait_for` answers 200; stop it after.

    `wait_for="/healthz"` starts a server that is up but has no usable index (to test that state).

    The index and content folders go through KB_INDEX_DIR / KB_CONTENT_DIR (not --index/--content:
    see tests/reliability/test_serve_process.py for why).
    """
    port = free_port()
    values = {
        **{k: v for k, v in os.environ.items() if not k.startswith("KB_")},
        "KB_ENV": "development",
        "KB_INDEX_DIR": str(index_dir),
        "KB_CONTENT_DIR": str(content_dir),
        "KB_PORT": str(port),
        "KB_HOST": "127.0.0.1",
        "KB_RATE_LIMIT_PER_MINUTE": "0",
        "KB_RELOAD_INTERVAL_S": "0.2",
        "KB_DATABASE_URL": f"sqlite:///{index_dir.parent / 'analytics.db'}",
        **(env or {}),
    }
    with tempfile.NamedTemporaryFile(prefix="kb-serve-", suffix=".log", delete=False) as fh:
        log_path = Path(fh.name)
    with log_path.open("wb") as log:
        # The working directory is the index's parent so a relative default can never touch the repo.
        process = subprocess.Popen(
            [str(KB), "serve"],
            env=values,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=index_dir.parent,
            start_new_session=True,
        )
    server = KbProcess(url=f"http://127.0.0.1:{port}", process=process, log_path=log_path)
    try:
        deadline = time.monotonic() + ready_s
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"kb serve exited with {process.returncode}:\n{server.log()}")
            try:
                if httpx.get(f"{server.url}{wait_for}", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"kb serve not ready after {ready_s}s:\n{server.log()}")
            time.sleep(0.1)
        yield server
    finally:
        server.stop()
        log_path.unlink(missing_ok=True)
