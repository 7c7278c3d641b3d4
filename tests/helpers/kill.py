"""Kill a build's worker process the moment one is running, as the OOM killer would."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.process import BaseProcess


@contextmanager
def killing_a_worker(is_worker: Callable[[BaseProcess], bool]) -> Iterator[list[int]]:
    """While the block runs, SIGKILL the first child process `is_worker` picks (looking every
    2 ms, for 60 s at most); yields the list the killed pid is put in, empty when none ran."""
    killed: list[int] = []
    done = threading.Event()

    def kill() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed and not done.is_set():
            for child in multiprocessing.active_children():
                if is_worker(child) and child.pid is not None:
                    os.kill(child.pid, signal.SIGKILL)
                    killed.append(child.pid)
                    break
            time.sleep(0.002)

    killer = threading.Thread(target=kill)
    killer.start()
    try:
        yield killed
    finally:
        done.set()
        killer.join()
