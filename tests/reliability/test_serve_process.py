"""`kb serve` as an operator runs it: the folders given on the command line are the ones served."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from indexer import build_index
from tests.load.process import free_port
from tests.reliability.corpus import CONTENT

KB = Path(sys.executable).with_name("kb")


def test_serve_serves_the_index_given_with_dash_dash_index(tmp_path: Path) -> None:
    """`kb serve --index DIR --content DIR` serves DIR's index, not the default var/index."""
    index = tmp_path / "elsewhere" / "index"
    version = build_index(CONTENT, index).version
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env |= {"KB_ENV": "development", "KB_RATE_LIMIT_PER_MINUTE": "0"}
    cwd = tmp_path / "cwd"  # an empty working directory: no var/index to fall back on
    cwd.mkdir()
    cmd = [str(KB), "serve", "--port", str(port), "--index", str(index), "--content", str(CONTENT)]
    with subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ) as server:
        try:
            deadline = time.monotonic() + 60
            while True:
                assert server.poll() is None, "kb serve exited"
                try:
                    ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "kb serve did not start"
                    time.sleep(0.1)
            assert ready.status_code == 200, ready.text
            assert ready.json()["version"] == version
        finally:
            server.terminate()
            server.wait(timeout=30)
