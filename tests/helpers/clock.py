"""A command line that runs a process on a clock reading as a machine booted moments ago."""

from __future__ import annotations

import os
import shutil
import subprocess
import time


def booted_moments_ago(seconds: float = 30.0) -> list[str]:
    """The `unshare` prefix that shows a command a monotonic clock of about `seconds` since boot.

    CI's machine may have booted minutes before the suite starts, so the suite runs its longest
    real-process check that way too. Needs root and a kernel with time namespaces; empty otherwise.
    """
    unshare = shutil.which("unshare")
    if os.geteuid() != 0 or unshare is None:
        return []
    offset = int(time.monotonic() - seconds)
    if offset <= 0:
        return []  # the machine is that fresh already
    prefix = [unshare, "--time", "--fork", f"--monotonic=-{offset}"]
    probe = subprocess.run([*prefix, "true"], capture_output=True, check=False)
    return prefix if probe.returncode == 0 else []
