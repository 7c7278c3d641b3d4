"""Read-only folders built once per test run and shared by all its processes (xdist's workers)."""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest


def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test run's own temporary folder, the same for all its processes."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # above each worker's own
    return root


def built_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]
) -> Path:
    """The folder `name`, filled by `build(folder)` in whichever process of the run asks first; the
    others wait for it and get the same folder. It is never written to again: copy it to change it."""
    root = run_folder(tmp_path_factory)
    target = root / name
    with (root / f".{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not target.exists():
            staging = root / f".{name}.{os.getpid()}"
            shutil.rmtree(staging, ignore_errors=True)
            build(staging)
            staging.rename(target)  # complete or absent: a failed build leaves nothing behind
    return target
