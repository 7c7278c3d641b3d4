"""The HTTP API (FastAPI). The one place where kb's errors become HTTP status codes."""

from __future__ import annotations

import asyncio
import functools
import gc
import hmac
import logging
import os
import time
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl

import orjson
from fastapi import FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.routing import APIRoute
from fastapi.telemetry import TelemetryConfig
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from kb import __version__, errors, gc_policy, logs
from kb.config import Settings, default_content_dir, get_settings
from kb.engine.cache import LRU
from kb.engine.channels import ChannelBook
from kb.engine.common_words import Lexicon
from kb.engine.confidence import Model
from kb.engine.search import SearchEngine, SearchRequest
from kb.engine.snapshot import Snapshot, SnapshotHolder
from kb.engine.suggest import Suggester
from kb.web import rate_limit
from kb.web.metrics import Metrics
from kb.web.middleware import DirectRoute, InputGuard, RequestContext, new_id
from kb.web.models import (
    ArticleResponse,
    ChannelInfo,
    DeflectBody,
    DeflectResponse,
    Health,
    Problem,
    Ready,
    SearchBody,
    SearchQuery,
    SearchResponse,
    SuggestResponse,
)
from kb.web.pages import article_page

log = logging.getLogger("kb.web.app")
STATIC = Path(__file__).with_name("static")
MAX_BODY = 64 * 1024

# Every error kind and its status: the only mapping of errors to HTTP in kb.
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

SearchListener = Callable[[dict[str, Any]], None]
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


class SafeJSONResponse(JSONResponse):
    """JSON with <, > and & written as \\u003c, \\u003e, \\u0026: the same data for any JSON reader,
    but a reflected query can never be read as markup, whatever a browser sniffs. Encoded by orjson
    (a search's body in a tenth of the time of the json module)."""

    def render(self, content: Any) -> bytes:
        return safe_json(content)


def safe_json(content: Any) -> bytes:
    """`content` as JSON with <, > and & escaped (see SafeJSONResponse)."""
    raw = orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)
    return raw.replace(b"<", b"\\u003c").replace(b">", b"\\u003e").replace(b"&", b"\\u0026")


class EncodedAnswers:
    """The answers of cached search results, kept encoded: a search served from the result cache
    carries the very list the cache holds, and encoding its ~10 KB again for every request was the
    largest part of a cached search's cost. The answers' article ids are kept beside it, for the
    search log: reading them from ten answer dicts spread over a worker's heap cost a cached search
    4 µs in memory reads alone (measured). Keyed by the list's identity, holding the list itself so
    that the identity cannot be reused while the entry lives; bounded like the result cache, whose
    lists it outlives only until new ones push them out. The engine never changes a cached answer."""

    def __init__(self, size: int) -> None:
        self._memo: LRU[int, tuple[list[Any], orjson.Fragment, tuple[str, ...]]] = LRU(size)

    def get(self, answers: list[Any]) -> orjson.Fragment:
        """`answers` as an escaped JSON fragment, encoded once per list."""
        return self._entry(answers)[1]

    def articles(self, answers: list[Any]) -> tuple[str, ...]:
        """The article id of each of `answers`, in order."""
        return self._entry(answers)[2]

    def _entry(self, answers: list[Any]) -> tuple[list[Any], orjson.Fragment, tuple[str, ...]]:
        hit = self._memo.get(id(answers))
        if hit is not None and hit[0] is answers:
            return hit
        entry = (answers, orjson.Fragment(safe_json(answers)), tuple(a["article"] for a in answers))
        self._memo.put(id(answers), entry)
        return entry


def query_parameters(model: type[SearchQuery]) -> list[dict[str, Any]]:
    """The OpenAPI description of a model's fields as query parameters, as FastAPI writes them."""
    schema = model.model_json_schema()
    required = set(schema.get("required", ()))
    params = []
    for name, prop in schema["properties"].items():
        prop = {k: v for k, v in prop.items() if not (k == "default" and v is None)}
        params.append(
            {
                "name": name,
                "in": "query",
                "required": name in required,
                "description": prop.get("description", ""),
                "schema": prop,
            }
        )
    return params


AGENT_KEY_DOC = "Agent key: also searches internal articles."
SUGGEST_MAX_CHARS = 200
# GET /search reads its parameters itself (see search_query); this is their description.
SEARCH_PARAMETERS = [
    *query_parameters(SearchQuery),
    {
        "name": "x-agent-key",
        "in": "header",
        "required": False,
        "description": AGENT_KEY_DOC,
        "schema": {
            "anyOf": [{"type": "string"}, {"type": "null"}],
            "description": AGENT_KEY_DOC,
            "title": "X-Agent-Key",
        },
    },
]


# FastAPI's native OpenTelemetry hooks need an OpenTelemetry SDK, which kb does not ship (its metrics
# are Prometheus, at /metrics); unless FASTAPI_OTEL_AUTO_CONFIGURE=true asks for them, they are off.
# Left on, FastAPI looked for a configured provider in the environment on every request (≈ 5 µs).
TELEMETRY: TelemetryConfig | None = (
    None
    if os.getenv("FASTAPI_OTEL_AUTO_CONFIGURE", "").lower() == "true"
    else {"tracing": False, "metrics": False, "logs": False}
)


def search_query(request: Request) -> SearchQuery:
    """GET /search's parameters, validated as FastAPI would (the last of a repeated parameter, every
    `filter`; a 422 naming the parameter), at a fraction of the cost of its per-parameter machinery."""
    query_string: bytes = request.scope["query_string"]
    try:
        if len(query_string) <= KEPT_QUERY_BYTES:
            return _parsed_query(query_string)
        return _read_query(query_string)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("query", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from None


KEPT_QUERY_BYTES = 2048  # longer ones are read every time: what is kept stays under ~16 MB


def _read_query(query_string: bytes) -> SearchQuery:
    """A query string's parameters (raises pydantic's ValidationError)."""
    # As Starlette's request.query_params reads it, without building its multi-dict.
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    data: dict[str, Any] = dict(pairs)
    if "filter" in data:
        data["filter"] = [value for name, value in pairs if name == "filter"]
    return SearchQuery.model_validate(data)


# Query strings' parameters, kept by their bytes: the questions that fill the result cache come
# again as the same query strings, and reading one cost about as much as the search served from
# the cache. An error is raised, never kept; nothing changes a SearchQuery once made.
_parsed_query = functools.lru_cache(maxsize=4096)(_read_query)


SEARCH_OPTIONAL = ("did_you_mean", "explain", "search_id")


def search_body(
    body: dict[str, Any],
    optional: tuple[str, ...] = SEARCH_OPTIONAL,
    encoded: EncodedAnswers | None = None,
) -> Response:
    """A search's JSON, encoded directly (no response-model pass: the engine's body already has its
    shape; tests/kb/test_api.py checks it against the models), with the optional fields the engine
    leaves out written as null, as the response model would. With `encoded`, the answers are taken
    from there (the body is then not an explain body: those are not cached)."""
    if encoded is not None:
        body["answers"] = encoded.get(body["answers"])
    for name in optional:
        body.setdefault(name, None)
    channel = body.get("channel")
    if channel:
        channel.setdefault("opens_at", None)
        channel.setdefault("preferred", None)
    return SafeJSONResponse(body)


def problem(
    status: int, error: str, detail: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return SafeJSONResponse({"error": error, "detail": detail}, status_code=status, headers=headers)


def status_of(exc: errors.KbError) -> tuple[int, str]:
    for kind, status, name in STATUS:
        if isinstance(exc, kind):
            return status, name
    return 500, "internal"


def keys_match(given: str | None, keys: list[str]) -> bool:
    """Constant-time comparison against every configured key (no early exit on the first match)."""
    if not given:
        return False
    found = False
    for key in keys:
        found |= hmac.compare_digest(given.encode(), key.encode())
    return found


def settle(snap: Snapshot) -> None:
    """Ready a newly opened index version, in the thread that opened it (the poll thread, or
    start-up before the first request), so that a request seldom waits for this: its typo-correction
    indexes built, then what the worker holds taken out of the garbage collector's full collections
    (kb.gc_policy), after a full collection, so that only live objects are frozen, and after
    handing back what the load freed."""
    snap.vocabulary.prepare()
    gc.collect()
    gc_policy.return_freed_memory()
    gc_policy.settle()


class Service:
    """What one worker process holds: settings, the live index, the engine, metrics, listeners."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.metrics = Metrics(settings.run_dir)
        self.holder = SnapshotHolder(
            settings.index_dir,
            interval_s=settings.reload_interval_s,
            default_tz=settings.timezone,
            fallback_channels=default_content_dir() / "channels.yaml",
        )
        # Read through a weak reference: prometheus_client's set_function makes the Gauge a
        # reference cycle, which settle() freezes for good, and a strong one kept the holder and
        # its live version of a Service that was let go (a test's, or an embedder's) forever.
        holder_ref = weakref.ref(self.holder)

        def open_failures() -> float:
            live = holder_ref()
            return float(live.open_failures) if live is not None else 0.0

        self.metrics.follow_index(open_failures)
        self.holder.on_load = settle
        self.engine = SearchEngine(
            self.holder,
            Model.load(),
            max_query_chars=settings.max_query_chars,
            max_limit=settings.max_limit,
            article_url=settings.article_url,
            filterable=settings.filterable_fields,
            thresholds=settings.threshold_for,
            cache_size=settings.cache_size,
            lexicon=Lexicon.load(settings.typo_language),
        )
        # As many as the result cache holds lists of answers (its two levels share most): with
        # half as many, 10% of the searches it answered were encoded again (≈ 40 µs each).
        self.encoded = EncodedAnswers(settings.cache_size)  # ~10 KB each
        self.listeners: list[SearchListener] = []
        self._suggesters: dict[str, Suggester] = {}
        self._seen_version: str | None = None

    def snapshot(self) -> Snapshot:
        snap = self.holder.get()
        if snap.version != self._seen_version:
            self._seen_version = snap.version
            self.metrics.index_loads.inc()
            self.metrics.index_documents.set(snap.chunks)
            self.metrics.index_articles.set(len(snap.articles))
            self.metrics.index_built.set(snap.built_at)
            # The result cache is not emptied here: its keys hold the version, so nothing of an
            # older one is served, and old entries go as new ones push them out. Emptying a full
            # cache (10k chunks) freed ~300,000 objects in the request that first saw the version:
            # 45–60 ms before it could answer.
        return snap

    def suggester(self, snap: Snapshot) -> Suggester:
        s = self._suggesters.get(snap.version)
        if s is None:
            self._suggesters = {snap.version: (s := Suggester(snap.articles))}
        return s

    def notify(self, record: dict[str, Any]) -> None:
        for listener in self.listeners:
            try:
                listener(record)
            except Exception:  # noqa: BLE001 - analytics must never fail a search
                log.warning("search listener failed", exc_info=True)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The kb application for these settings (one per worker process)."""
    settings = settings or get_settings()
    service = Service(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service.holder.refresh()  # the version there is, opened and settled before the first request
        if service.holder.ready:
            service.snapshot()  # counted in /metrics
        service.holder.start_polling()
        yield
        service.holder.close()
        logs.flush()  # the last requests' lines: uvicorn may end the process by a signal next

    app = FastAPI(
        default_response_class=SafeJSONResponse,
        title="kb",
        version=__version__,
        description=(
            "Help-center search: ranked answers from Markdown articles with highlighted snippets and a "
            "calibrated confidence, or — when the content does not answer — the right contact channel."
        ),
        lifespan=lifespan,
        telemetry=TELEMETRY,
    )
    app.state.service = service

    @app.exception_handler(errors.KbError)
    async def kb_error(_: Request, exc: errors.KbError) -> JSONResponse:
        status, name = status_of(exc)
        if status >= 500:
            log.error("unexpected kb error", extra={"error": str(exc)})
            return problem(status, name, "internal error")
        return problem(status, name, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for e in exc.errors():
            where = ".".join(str(p) for p in e.get("loc", ()) if p != "body")
            parts.append(f"{where}: {e.get('msg')}" if where else str(e.get("msg")))
        return problem(422, "invalid_request", "; ".join(parts) or "invalid request")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        names = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            # Starlette names only the first route's methods; GET and POST /search are two routes.
            path = request.url.path
            methods = {m for r in app.routes if isinstance(r, APIRoute) and r.path_regex.match(path)
                       for m in r.methods or ()}  # fmt: skip
            headers = {**(headers or {}), "allow": ", ".join(sorted(methods))}
        return problem(
            exc.status_code,
            names.get(exc.status_code, "http_error"),
            str(exc.detail),
            headers,
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error", exc_info=exc, extra={"path": request.url.path})
        return problem(500, "internal", "internal error")

    def run_search(
        req: SearchRequest,
        endpoint: str,
        max_chars: int | None = None,
        encoded: EncodedAnswers | None = None,
    ) -> dict[str, Any]:
        """The engine's body for `req`, timed, counted and passed to the search listeners (with
        `encoded`, the answers' article ids are taken from there)."""
        started = time.perf_counter()
        service.snapshot()
        hits_before = service.engine.cache.hits
        body = service.engine.search(req, max_chars)
        took = (time.perf_counter() - started) * 1000
        body["took_ms"] = round(took, 3)
        body["search_id"] = new_id()
        service.metrics.searched(
            endpoint,
            cache_hit=service.engine.cache.hits > hits_before,
            fallback_channel=body["channel"]["id"] if body["fallback"] else None,
            zero_results=not body["answers"],
        )
        record = {**body, "endpoint": endpoint, "internal": req.internal}
        if encoded is not None:
            record["articles"] = encoded.articles(body["answers"])
        service.notify(record)
        return body

    def answers_cache(req: SearchRequest) -> EncodedAnswers | None:
        # Explain answers are built for the one request (never cached): nothing to keep.
        return None if req.explain or not settings.cache_size else service.encoded

    def internal_access(agent_key: str | None) -> bool:
        return keys_match(agent_key, settings.agent_keys)

    @app.get(
        "/search",
        response_model=SearchResponse,
        responses=PROBLEMS,
        tags=["search"],
        summary="Search the help center",
        openapi_extra={"parameters": SEARCH_PARAMETERS},
    )
    async def search_get(request: Request) -> Response:
        """Ranked answers (one per article) with snippets and confidence, the fallback flag and the
        recommended contact channel."""
        params = search_query(request)
        filters: dict[str, str] = {}
        for item in params.filter or []:
            field, sep, value = item.partition(":")
            if not sep or not field or not value:
                raise errors.BadParameterError(f"filter must look like field:value, not {item!r}")
            filters[field] = value
        if params.topic:
            filters["topic"] = params.topic
        req = SearchRequest(
            q=params.q,
            limit=settings.default_limit if params.limit is None else params.limit,
            filters=filters,
            internal=internal_access(request.headers.get("x-agent-key")),
            explain=params.explain,
        )
        encoded = answers_cache(req)
        return search_body(run_search(req, "/search", encoded=encoded), encoded=encoded)

    @app.post(
        "/search",
        response_model=SearchResponse,
        responses=PROBLEMS,
        tags=["search"],
        summary="Search the help center (JSON body)",
    )
    async def search_post(
        body: SearchBody, x_agent_key: Annotated[str | None, Header()] = None
    ) -> Response:
        """The same as GET /search, with the question and filters in a JSON body."""
        filters = dict(body.filters)
        if body.topic:
            filters["topic"] = body.topic
        req = SearchRequest(
            q=body.q,
            limit=settings.default_limit if body.limit is None else body.limit,
            filters=filters,
            internal=internal_access(x_agent_key),
            explain=body.explain,
        )
        encoded = answers_cache(req)
        return search_body(run_search(req, "/search", encoded=encoded), encoded=encoded)

    @app.get(
        "/suggest",
        response_model=SuggestResponse,
        responses=PROBLEMS,
        tags=["search"],
        summary="Complete a prefix",
    )
    async def suggest(
        q: Annotated[
            str,
            Query(description=f"What has been typed so far (at most {SUGGEST_MAX_CHARS} characters)."),
        ],
        limit: Annotated[int, Query(ge=1, le=20, description="Suggestions to return.")] = 8,
        x_agent_key: Annotated[str | None, Header()] = None,
    ) -> Any:
        """Article titles and `questions` that complete the typed prefix; cheap enough for every keystroke."""
        if len(q) > SUGGEST_MAX_CHARS:  # a 413, as /search answers an over-long query
            raise errors.QueryTooLongError(f"query is longer than {SUGGEST_MAX_CHARS} characters")
        snap = service.snapshot()
        found = service.suggester(snap).suggest(q, limit, internal_access(x_agent_key))
        return {
            "query": q,
            "suggestions": [
                {
                    "text": e.text,
                    "article": e.article,
                    "kind": e.kind,
                    "url": service.engine.url(e.article, "").rstrip("#"),
                }
                for e in found
            ],
        }

    @app.post(
        "/deflect",
        response_model=DeflectResponse,
        responses=PROBLEMS,
        tags=["help desk"],
        summary="Answers for a ticket being written",
    )
    async def deflect(
        body: DeflectBody, x_agent_key: Annotated[str | None, Header()] = None
    ) -> Response:
        """What a customer is typing into a ticket form (subject and body, together at most
        KB_MAX_DEFLECT_CHARS): the articles likely to solve it and the channel to route it to."""
        text = f"{body.subject}\n{body.body}".strip()
        req = SearchRequest(q=text, limit=body.limit, internal=internal_access(x_agent_key))
        result = run_search(req, "/deflect", max_chars=settings.max_deflect_chars)
        return search_body(
            {
                "answers": result["answers"],
                "confidence": result["confidence"],
                "deflect": not result["fallback"],
                "channel": result["channel"],
                "took_ms": result["took_ms"],
                "search_id": result["search_id"],
            },
            optional=(),
        )

    @app.get(
        "/articles/{article_id}",
        response_model=ArticleResponse,
        responses={**PROBLEMS, 404: {"model": Problem, "description": "No article with this id."}},
        tags=["content"],
        summary="One whole article",
    )
    async def article(
        article_id: str,
        request: Request,
        x_agent_key: Annotated[str | None, Header()] = None,
    ) -> Any:
        """The whole article, rendered and sanitized, with its sections' anchors and deep links.
        A browser (Accept: text/html) gets it as a readable page, so answers' links land there."""
        snap = service.snapshot()
        a = snap.articles.get(article_id)
        if a is None or (a.audience == "internal" and not internal_access(x_agent_key)):
            raise errors.NotFoundError(f"no article with id {article_id!r}")
        accept = request.headers.get("accept", "")
        if "text/html" in accept and "application/json" not in accept:
            return HTMLResponse(article_page(a))
        return {
            "id": a.id,
            "title": a.title,
            "summary": a.summary,
            "topic": a.topic,
            "channel": a.channel,
            "html": a.html,
            "sections": [
                {
                    "anchor": s.anchor,
                    "heading": s.heading,
                    "path": s.path,
                    "url": service.engine.url(a.id, s.anchor),
                }
                for s in a.sections
            ],
        }

    @app.get(
        "/channels",
        response_model=list[ChannelInfo],
        responses={429: PROBLEMS[429], 503: PROBLEMS[503]},
        tags=["content"],
        summary="The contact channels",
    )
    async def channels() -> Any:
        """Every direct-contact channel with whether it is open now and when it opens."""
        book: ChannelBook = service.snapshot().channels
        return book.to_json()

    @app.get("/healthz", response_model=Health, tags=["operations"], summary="Liveness")
    async def healthz() -> Any:
        """The process is alive (it says nothing about the index; see /readyz)."""
        return {"status": "ok"}

    @app.get(
        "/readyz",
        response_model=Ready,
        responses={503: {"model": Ready}},
        tags=["operations"],
        summary="Readiness",
    )
    async def readyz() -> Any:
        """Ready when an index version is loaded and answers a search; 503 with the reason otherwise."""
        try:
            snap = service.snapshot()
        except errors.KbError as exc:
            return SafeJSONResponse({"status": "unavailable", "reason": str(exc)}, status_code=503)
        body: dict[str, Any] = {
            "status": "ready",
            "version": snap.version,
            "articles": len(snap.articles),
            "chunks": snap.chunks,
        }
        if service.holder.error:
            body["reason"] = (
                f"serving {snap.version}; newer version not loaded: {service.holder.error}"
            )
        return body

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics", response_class=Response)
    async def metrics() -> Response:
        """Request counts and latency, searches, fallbacks by channel, zero results, index size and age,
        reindex count and duration — Prometheus text format."""
        try:
            service.snapshot()
        except errors.KbError:
            pass
        return Response(
            service.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8"
        )

    @app.post(
        "/admin/reindex",
        tags=["operations"],
        summary="Rebuild the index",
        responses={
            401: {"model": Problem, "description": "Missing or wrong X-Admin-Key."},
            404: {"model": Problem, "description": "Admin endpoints are off (no KB_ADMIN_KEY)."},
            409: {"model": Problem, "description": "The build failed; the previous index is kept."},
            422: {"model": Problem, "description": "Bad parameter or unusable content folder."},
            429: {"model": Problem, "description": "Rate limited; see Retry-After."},
        },
    )
    async def reindex(
        x_admin_key: Annotated[str | None, Header()] = None,
        full: Annotated[
            bool, Query(description="Rebuild everything instead of only changed articles.")
        ] = False,
    ) -> Any:
        """Rebuild from the content folder and switch atomically; every worker picks it up."""
        if not settings.admin_enabled:
            raise StarletteHTTPException(404, "admin endpoints are disabled (set KB_ADMIN_KEY)")
        if not keys_match(x_admin_key, [settings.admin_key]):
            return problem(401, "unauthorized", "a valid X-Admin-Key header is required")
        from indexer import build_index

        started = time.perf_counter()
        try:
            report = await run_in_threadpool(
                build_index, settings.content_dir, settings.index_dir, incremental=not full,
                default_channels=default_content_dir() / "channels.yaml",
            )  # fmt: skip
        except errors.KbError:
            service.metrics.reindex.labels("failed").inc()
            raise
        service.metrics.reindex.labels("ok").inc()
        service.metrics.reindex_seconds.observe(time.perf_counter() - started)
        service.holder.refresh()
        return report.to_json()

    for page, name in (("/", "demo.html"), ("/widget.js", "widget.js")):
        _static_route(app, page, name)

    # Searches, feedback, events and the report (KB_DATABASE_URL); imported here: it imports kb.web.app.
    from kb.web.routers.analytics import install

    install(app, service)

    # Innermost: GET /search straight to its endpoint, inside every middleware below.
    search_route = next(
        r
        for r in app.routes
        if isinstance(r, APIRoute) and r.path == "/search" and "GET" in (r.methods or ())
    )
    app.add_middleware(
        DirectRoute, route=search_route, endpoint=search_get, handlers=app.exception_handlers
    )
    rate_limit.install(app, settings)
    app.add_middleware(InputGuard, max_body=MAX_BODY)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["content-type", "x-agent-key", "x-request-id"],
            expose_headers=["x-request-id"],
            max_age=600,
        )
    app.add_middleware(RequestContext, metrics=service.metrics)
    return app


def _static_route(app: FastAPI, path: str, name: str) -> None:
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

    serve.__doc__ = (
        "The embeddable search widget."
        if name.endswith(".js")
        else "A demo help page embedding the widget."
    )
    app.add_api_route(
        path,
        serve,
        methods=["GET"],
        include_in_schema=True,
        response_class=HTMLResponse if name.endswith(".html") else Response,
        responses={404: {"model": Problem}, 429: PROBLEMS[429]},
        tags=["widget"],
    )
