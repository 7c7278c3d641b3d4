"""The HTTP ceiling: a bare FastAPI endpoint with /search's parameters that returns constant JSON,
served with the same uvicorn options and logging set-up as `kb serve`.

Run: python -m bench.bare --port PORT --workers N
"""

from __future__ import annotations

import argparse
from typing import Any

import uvicorn
from fastapi import FastAPI

from kb import logs

ANSWER: dict[str, Any] = {
    "query": "constant",
    "answers": [],
    "confidence": 0.0,
    "fallback": True,
    "channel": {"id": "chat"},
}


def create() -> FastAPI:
    """The bare app; logging set up as kb.main.create does (each worker process runs this)."""
    logs.configure("info", "json", "production")
    app = FastAPI()

    @app.get("/search")
    async def search(q: str, limit: int = 10) -> dict[str, Any]:
        return ANSWER

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    logs.configure("info", "json", "production")
    # The same options as `kb serve` (kb/cli.py), so only the application differs.
    uvicorn.run(
        "bench.bare:create",
        factory=True,
        host="127.0.0.1",
        port=args.port,
        workers=args.workers,
        log_config=None,
        timeout_graceful_shutdown=20,
        timeout_keep_alive=30,
        proxy_headers=True,
    )


if __name__ == "__main__":
    main()
