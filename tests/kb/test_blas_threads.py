"""Each kb process runs one BLAS thread (kb/__init__.py): workers scale by processes, and numpy's
OpenBLAS threads would spin on the cores the other workers need."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

COUNT_THREADS = (
    "import kb, numpy, os; "
    "print(os.environ['OPENBLAS_NUM_THREADS'], len(os.listdir('/proc/self/task')))"
)


def _run(env: dict[str, str]) -> tuple[str, int]:
    out = subprocess.run(
        [sys.executable, "-c", COUNT_THREADS], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    return out[0], int(out[1])


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="threads counted from /proc")
def test_importing_kb_first_leaves_numpy_one_thread_and_an_operators_choice_stands() -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    setting, threads = _run(env)
    assert (setting, threads) == ("1", 1)
    setting, threads = _run({**env, "OPENBLAS_NUM_THREADS": "2"})
    assert setting == "2"
    if (os.cpu_count() or 1) >= 2:  # OpenBLAS starts a thread per core beyond the first
        assert threads == 2
