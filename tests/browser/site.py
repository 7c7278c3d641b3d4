"""A plain web site on its own loopback port: another origin that embeds the widget."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class HostSite:
    """Serves the files of `root` at `origin`, every response with the Content-Security-Policy `csp`."""

    def __init__(self, root: Path, origin: str) -> None:
        self.root = root
        self.origin = origin
        self.csp = ""

    def page(self, name: str, html: str) -> str:
        """Write a page (or any file) into the site; returns its URL."""
        (self.root / name).write_text(html, encoding="utf-8")
        return f"{self.origin}/{name}"


class _Handler(SimpleHTTPRequestHandler):
    site: HostSite

    def end_headers(self) -> None:
        if self.site.csp:
            self.send_header("Content-Security-Policy", self.site.csp)
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean; failures are asserted, not read from logs


@contextmanager
def host_site(root: Path) -> Iterator[HostSite]:
    """Serve `root` on 127.0.0.1:<free port> in a thread until the block ends."""
    site = HostSite(root, "")
    handler = type("Handler", (_Handler,), {"site": site})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(root)))
    server.daemon_threads = True
    site.origin = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
    )
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
