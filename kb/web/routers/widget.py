"""The embeddable widget (/widget.js) and the demo help page that embeds it (/)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from kb import errors
from kb.web.encoding import SafeJSONResponse
from kb.web.models import Problem
from kb.web.problems import PROBLEMS

STATIC = Path(__file__).resolve().parent.parent.parent / "static"
router = APIRouter(tags=["widget"], default_response_class=SafeJSONResponse)


def _static_route(path: str, name: str, doc: str) -> None:
    media = (
        "text/html; charset=utf-8" if name.endswith(".html") else "text/javascript; charset=utf-8"
    )

    async def serve() -> Response:
        file = STATIC / name
        if not file.exists():
            raise errors.NotFoundError(f"{name} is not installed")
        return Response(
            await asyncio.to_thread(file.read_bytes),
            media_type=media,
            headers={"cache-control": "public, max-age=300"},
        )

    serve.__doc__ = doc
    router.add_api_route(
        path,
        serve,
        methods=["GET"],
        response_class=HTMLResponse if name.endswith(".html") else Response,
        responses={404: {"model": Problem}, 429: PROBLEMS[429]},
    )


_static_route("/", "demo.html", "A demo help page embedding the widget.")
_static_route("/widget.js", "widget.js", "The embeddable search widget.")
