"""`kb serve --workers N`: N uvicorn worker processes, each listening on a socket of its own.

uvicorn's own supervisor hands every worker one shared listening socket. A burst of new connections
(a load balancer's pool, a load test's clients) then mostly goes to whichever worker wakes first,
and a kept-alive connection stays with the worker that accepted it, so one worker can end up
serving every connection while another sits idle (docs/performance.md, "Per query"). Here
every worker listens on a socket of its own bound to the same address (SO_REUSEPORT), and the
kernel spreads new connections over them.

The parent binds the sockets (so a port in use fails at once, before any worker starts), starts the
workers, replaces one that dies, and on SIGINT or SIGTERM stops them all and waits for their
graceful shutdown. A worker that fails while starting (the app cannot load) stops the server with a
non-zero exit, as uvicorn's supervisor does; one that dies later is replaced.

What the workers share while serving (their metrics, the rate limit's table) lives in the server's
run folder (`RunDir`), emptied when `kb serve` starts; the live gauges of a worker that died are
removed from it when the worker is replaced (prometheus_client's `mark_process_dead`).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
from multiprocessing.context import SpawnProcess
from pathlib import Path

import uvicorn
from prometheus_client.multiprocess import mark_process_dead
from uvicorn.config import STARTUP_FAILURE

from kb.errors import KbError
from kb.web.metrics import metrics_dir
from kb.web.rate_limit import table_path

__all__ = ["RunDir", "serve", "shares_ports"]

log = logging.getLogger("uvicorn.error")
spawn = multiprocessing.get_context("spawn")


def shares_ports() -> bool:
    """Whether this platform lets several sockets listen on one port (Linux, the BSDs, macOS)."""
    return hasattr(socket, "SO_REUSEPORT")


class RunDir:
    """The folder a server's workers share while it runs: `configured` (KB_RUN_DIR), emptied, or a
    new temporary folder that `close()` removes."""

    def __init__(self, configured: Path | None) -> None:
        self.temporary = configured is None
        if configured is None:
            self.path = Path(tempfile.mkdtemp(prefix="kb-run-"))
        else:
            self.path = configured.resolve()
            self.path.mkdir(parents=True, exist_ok=True)
            # A previous run's numbers are not this one's (only kb's own entries: the folder may
            # hold others').
            shutil.rmtree(metrics_dir(self.path), ignore_errors=True)
            table_path(self.path).unlink(missing_ok=True)

    def close(self) -> None:
        if self.temporary:
            shutil.rmtree(self.path, ignore_errors=True)


def serve(config: uvicorn.Config, workers: int, run_dir: Path | None = None) -> bool:
    """Run `workers` processes serving `config`'s app, each on its own socket, until SIGINT or
    SIGTERM (True) or until a worker cannot start (False); returns when they have all stopped.
    A worker that dies has its live gauges removed from `run_dir`'s metrics."""
    sockets = [_listen(config) for _ in range(workers)]
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    log.info("Started parent process [%d]", os.getpid())
    running = [_start(config, sock) for sock in sockets]
    started = True
    try:
        while not stop.wait(0.5):
            for i, process in enumerate(running):
                if process.is_alive():
                    continue
                if process.exitcode == STARTUP_FAILURE:
                    log.error("Child process [%s] failed to start; stopping", process.pid)
                    started = False
                    stop.set()
                    break
                log.warning(
                    "Child process [%s] died (exit code %s); starting another",
                    process.pid,
                    process.exitcode,
                )
                if run_dir is not None and metrics_dir(run_dir).is_dir():
                    mark_process_dead(process.pid, str(metrics_dir(run_dir)))  # type: ignore[no-untyped-call]
                running[i] = _start(config, sockets[i])
    finally:
        for process in running:
            if process.is_alive() and process.pid is not None:
                os.kill(process.pid, signal.SIGTERM)
        grace = (config.timeout_graceful_shutdown or 0) + 10
        for process in running:
            process.join(grace)
            if process.is_alive():
                process.kill()
                process.join()
        for sock in sockets:
            sock.close()
        log.info("Stopping parent process [%d]", os.getpid())
    return started


def _listen(config: uvicorn.Config) -> socket.socket:
    """A listening socket on the configured address that other sockets may share."""
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((config.host, config.port))
        sock.listen(config.backlog)
    except OSError as exc:
        sock.close()
        log.error("%s", exc)
        sys.exit(STARTUP_FAILURE)
    sock.set_inheritable(True)
    return sock


def _start(config: uvicorn.Config, sock: socket.socket) -> SpawnProcess:
    process = spawn.Process(target=_worker, args=(config, sock))
    process.start()
    return process


def _worker(config: uvicorn.Config, sock: socket.socket) -> None:
    """One worker process: uvicorn's server on its own socket. An app that cannot be built (a
    database URL kb cannot use, say) exits with STARTUP_FAILURE, so the parent stops instead of
    starting the next worker into the same error."""
    config.configure_logging()
    try:
        config.load()  # uvicorn exits with STARTUP_FAILURE itself when the import fails, not the factory
    except KbError as exc:
        log.error("Child process [%d] cannot start: %s", os.getpid(), exc)
        sys.exit(STARTUP_FAILURE)
    except Exception:
        log.exception("Child process [%d] cannot start", os.getpid())
        sys.exit(STARTUP_FAILURE)
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(config).run(sockets=[sock])
