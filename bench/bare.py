"""The HTTP ceiling: a bare FastAPI endpoint with /search's parameters that returns constant JSON,
served as `kb serve` serves (the same uvicorn options, worker processes and logging set-up).

Run: python -m bench.bare --port PORT --workers N
"""

from __future__ import annotations

import argparse
from typing import Any

from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from kb import logs
from kb.cli import run_server
from kb.config import Settings

ANSWER: dict[str, Any] = {
    "query": "constant",
    "answers": [],
    "confidence": 0.0,
    "fallback": True,
    "channel": {"id": "chat"},
}


def create() -> ProxyHeadersMiddleware:
    """The bare app; logging set up as kb.server.main.create does (each worker process runs this),
    and the client's address read behind the default trusted proxies as kb's app reads it
    (kb.web.rate_limit), so that only what kb does for a search differs."""
    logs.configure("info", "json", "production")
    app = FastAPI()

    @app.get("/search")
    async def search(q: str, limit: int = 10) -> dict[str, Any]:  # noqa: ARG001 - kb's parameters, read and unused
        return ANSWER

    trusted = Settings.model_fields["trusted_proxies"].get_default(call_default_factory=True)
    return ProxyHeadersMiddleware(app, trusted_hosts=trusted)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    logs.configure("info", "json", "production")
    # The same options and worker processes as `kb serve` (kb/cli.py), so only the app differs.
    run_server("bench.bare:create", "127.0.0.1", args.port, args.workers)


if __name__ == "__main__":
    main()
