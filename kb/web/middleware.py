"""ASGI middleware: request ids and access logs, metrics, security headers, size limits,
and the direct route that serves GET /search inside all of them but ahead of FastAPI's router.

Written as plain ASGI (not BaseHTTPMiddleware) so that streaming, cancellation and graceful shutdown
behave, and so the limits act before a body is read. The rate limit is kb.web.rate_limit.
"""

from __future__ import annotations

import inspect
import logging
import os
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import unquote_to_bytes

import orjson
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kb.logs import ACCESS_LOGGER, LineLogger
from kb.web.metrics import Metrics

log = logging.getLogger(ACCESS_LOGGER)
log_request = LineLogger(log, "request")
REQUEST_ID = re.compile(
    r"[A-Za-z0-9._:-]{1,64}"
)  # echoed and logged: nothing that can split either

PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
)

# The interactive API docs (/docs, /redoc) are FastAPI's pages: an inline bootstrap script and assets
# from the jsDelivr CDN. They get a policy that allows exactly that, and nothing else does.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)

_PAGE_CSP = PAGE_CSP.encode()
_DOCS_CSP = DOCS_CSP.encode()
# Added to every response.
_ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
)

_ids: list[str] = []
os.register_at_fork(after_in_child=_ids.clear)  # a forked worker must not hand out its parent's


def new_id() -> str:
    """32 hex digits: the time in milliseconds (12), then 80 random bits (20). Ids that grow with
    time are appended to the analytics table's primary-key index, where random ones would land all
    over it and each batch would rewrite most of its pages (on SQLite and in any other B-tree). The
    random part is drawn 256 at a time: os.urandom releases the GIL, and each release on the request
    path can make the request wait for another thread."""
    try:
        tail = _ids.pop()
    except IndexError:
        block = os.urandom(10 * 256).hex()
        _ids.extend(block[i : i + 20] for i in range(20, len(block), 20))
        tail = block[:20]
    return f"{time.time_ns() // 1_000_000:012x}{tail}"


async def send_problem(
    send: Send,
    status: int,
    error: str,
    detail: str,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    body = orjson.dumps({"error": error, "detail": detail})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _endpoint(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else "other"


class RequestContext:
    """Request id (X-Request-ID, echoed), one access-log line, metrics and security headers."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        incoming = ""
        for name, value in scope.get("headers") or ():
            if name == b"x-request-id":  # the last one, as a dict of the headers would keep
                incoming = value.decode("latin-1")
        request_id = incoming if REQUEST_ID.fullmatch(incoming) else new_id()
        scope.setdefault("state", {})["request_id"] = request_id
        status = {"code": 500}

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                headers = list(message.get("headers") or [])
                ctype = b""
                for name, value in headers:
                    if name == b"content-type":  # the last one, as a dict of the headers would keep
                        ctype = value
                headers.append((b"x-request-id", request_id.encode()))
                headers += _ALWAYS
                if ctype.startswith(b"text/html") and not any(
                    name.lower() == b"content-security-policy" for name, _ in headers
                ):
                    docs = scope["path"] in ("/docs", "/redoc")
                    headers.append((b"content-security-policy", _DOCS_CSP if docs else _PAGE_CSP))
                    headers.append((b"x-frame-options", b"DENY"))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, wrapped)
        finally:
            elapsed = time.perf_counter() - started
            endpoint = _endpoint(scope)
            self.metrics.request(endpoint, scope["method"], status["code"], elapsed)
            if endpoint not in ("/metrics", "/healthz", "/readyz"):
                log_request(
                    {
                        "request_id": request_id,
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status["code"],
                        "ms": round(elapsed * 1000, 2),
                    }
                )


ErrorHandler = Callable[[Request, Any], Response | Awaitable[Response]]


class DirectRoute:
    """Serves one GET route by calling its endpoint straight from here, the inner end of kb's
    middleware (request id, log, metrics, CORS, limits all still apply), skipping Starlette's
    routing and FastAPI's request handling: for a cached search those cost more than the search.

    The route stays declared on the app (its OpenAPI entry; `scope["route"]` for metrics and logs).
    Errors go to the app's own exception handlers, looked up as Starlette does; an error without one
    propagates to the app's 500 handler, as from any route."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        route: Route,
        endpoint: Callable[[Request], Awaitable[Response]],
        handlers: Mapping[Any, ErrorHandler],
    ) -> None:
        self.app = app
        self.route = route
        self.path = route.path
        self.endpoint = endpoint
        # The 500 handler belongs to ServerErrorMiddleware, outside: leave those errors to it.
        self.handlers = {k: v for k, v in handlers.items() if k not in (500, Exception)}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or scope["path"] != scope.get("root_path", "") + self.path
        ):
            await self.app(scope, receive, send)
            return
        scope["route"] = self.route
        request = Request(scope, receive)
        try:
            response = await self.endpoint(request)
        except Exception as exc:
            handler = self._handler_for(exc)
            if handler is None:
                raise
            answer = handler(request, exc)
            response = await answer if inspect.isawaitable(answer) else answer
        await response(scope, receive, send)

    def _handler_for(self, exc: Exception) -> ErrorHandler | None:
        if isinstance(exc, HTTPException) and exc.status_code in self.handlers:
            return self.handlers[exc.status_code]
        for kind in type(exc).__mro__:
            if kind in self.handlers:
                return self.handlers[kind]
        return None


class InputGuard:
    """Refuses bodies over the limit (413) and query strings that are not UTF-8 (400)."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        qs: bytes = scope.get("query_string", b"")
        if qs and (b"%" in qs or not qs.isascii()):  # plain ASCII without escapes is UTF-8 as it is
            try:
                unquote_to_bytes(qs.decode("latin-1").replace("+", " ")).decode("utf-8")
            except UnicodeDecodeError:
                await send_problem(send, 400, "invalid_utf8", "the query string is not valid UTF-8")
                return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None:
            try:
                too_big = int(length) > self.max_body
            except ValueError:
                await send_problem(send, 400, "bad_request", "invalid Content-Length")
                return
            if too_big:
                await send_problem(
                    send, 413, "too_large", f"request body over {self.max_body} bytes"
                )
                return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    # An HTTPException: FastAPI re-raises it from body parsing (anything else it
                    # turns into a 400 "error parsing the body"), and kb.web.app renders it as JSON 413.
                    raise HTTPException(413, f"request body over {self.max_body} bytes")
            return message

        try:
            await self.app(scope, limited, send)
        except BodyTooLarge:
            await send_problem(send, 413, "too_large", f"request body over {self.max_body} bytes")


class BodyTooLarge(Exception):
    pass


def client_of(scope: dict[str, Any]) -> str:
    return str((scope.get("client") or ("unknown", 0))[0])
