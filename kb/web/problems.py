"""The error table: the one place where kb's errors become HTTP status codes, and the handlers
that answer every error as a JSON problem (never a traceback)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from kb import errors
from kb.web.encoding import SafeJSONResponse
from kb.web.models import Problem

log = logging.getLogger("kb.api")

# Every error kind and its status, most specific first.
STATUS: list[tuple[type[errors.KbError], int, str]] = [
    (errors.EmptyQueryError, 400, "empty_query"),
    (errors.QueryTooLongError, 413, "query_too_long"),
    (errors.BadParameterError, 400, "bad_parameter"),
    (errors.NotFoundError, 404, "not_found"),
    (errors.QueryError, 400, "bad_request"),
    (errors.IndexMissingError, 503, "index_unavailable"),
    (errors.IndexCorruptError, 503, "index_unavailable"),
    (errors.BuildError, 409, "build_failed"),
    (errors.ContentError, 422, "bad_content"),
    (errors.KbError, 500, "internal"),
]

# The problems a route may answer, for its OpenAPI description.
PROBLEMS: dict[int | str, dict[str, Any]] = {
    400: {
        "model": Problem,
        "description": "Bad input (empty query, bad parameter, invalid UTF-8).",
    },
    413: {"model": Problem, "description": "Query or body over the documented limit."},
    422: {"model": Problem, "description": "Request not of the documented shape."},
    429: {"model": Problem, "description": "Rate limited; see Retry-After."},
    503: {"model": Problem, "description": "No usable index yet."},
}
ADMIN_PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "Missing or wrong X-Admin-Key."},
    404: {"model": Problem, "description": "Admin endpoints are off (no KB_ADMIN_KEY)."},
}
HTTP_NAMES = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}


def problem(
    status: int, error: str, detail: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """A JSON problem body: `{"error": name, "detail": what went wrong}`."""
    return SafeJSONResponse({"error": error, "detail": detail}, status_code=status, headers=headers)


def status_of(exc: errors.KbError) -> tuple[int, str]:
    for kind, status, name in STATUS:
        if isinstance(exc, kind):
            return status, name
    return 500, "internal"


async def kb_error(_: Request, exc: errors.KbError) -> JSONResponse:
    status, name = status_of(exc)
    if status >= 500:
        log.error("unexpected kb error", extra={"error": str(exc)})
        return problem(status, name, "internal error")
    return problem(status, name, str(exc))


async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
    parts = []
    for e in exc.errors():
        where = ".".join(str(p) for p in e.get("loc", ()) if p != "body")
        parts.append(f"{where}: {e.get('msg')}" if where else str(e.get("msg")))
    return problem(422, "invalid_request", "; ".join(parts) or "invalid request")


async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    headers = getattr(exc, "headers", None)
    if exc.status_code == 405:
        # Starlette names only the first route's methods; GET and POST /search are two routes.
        path = request.url.path
        methods = {
            m
            for r in request.app.routes
            if isinstance(r, APIRoute) and r.path_regex.match(path)
            for m in r.methods or ()
        }
        headers = {**(headers or {}), "allow": ", ".join(sorted(methods))}
    name = HTTP_NAMES.get(exc.status_code, "http_error")
    return problem(exc.status_code, name, str(exc.detail), headers)


async def unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error", exc_info=exc, extra={"path": request.url.path})
    return problem(500, "internal", "internal error")


def install_handlers(app: FastAPI) -> None:
    """Answer every error of `app` as a JSON problem."""
    app.add_exception_handler(errors.KbError, kb_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, invalid)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, unexpected)
