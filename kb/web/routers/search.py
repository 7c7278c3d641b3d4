"""Searching: GET and POST /search, /suggest as you type, /deflect for ticket forms."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response

from kb import errors
from kb.engine import SearchRequest
from kb.web.deps import ServiceDep, header, internal_access, parse_filters
from kb.web.encoding import EncodedAnswers, SafeJSONResponse, search_body
from kb.web.fast_search import SEARCH_PARAMETERS, search_query
from kb.web.middleware import new_id
from kb.web.models import (
    DeflectBody,
    DeflectResponse,
    SearchBody,
    SearchQuery,
    SearchResponse,
    SuggestResponse,
)
from kb.web.problems import PROBLEMS
from kb.web.service import Service

router = APIRouter(default_response_class=SafeJSONResponse)
SUGGEST_MAX_CHARS = 200


def run_search(
    service: Service,
    req: SearchRequest,
    endpoint: str,
    max_chars: int | None = None,
    encoded: EncodedAnswers | None = None,
) -> dict[str, Any]:
    """The engine's body for `req`, timed, counted and passed to the search listeners (with
    `encoded`, the answers' article ids are taken from there)."""
    started = time.perf_counter()
    service.snapshot()
    cache = service.searcher.cache
    hits_before = cache.hits
    body = service.engine.respond(req, max_chars)
    body["took_ms"] = round((time.perf_counter() - started) * 1000, 3)
    body["search_id"] = new_id()
    service.metrics.searched(
        endpoint,
        cache_hit=cache.hits > hits_before,
        fallback_channel=body["channel"]["id"] if body["fallback"] else None,
        zero_results=not body["answers"],
    )
    record = {**body, "endpoint": endpoint, "internal": req.internal}
    if encoded is not None:
        record["articles"] = encoded.articles(body["answers"])
    service.notify(record)
    return body


def search_request(
    service: Service,
    asked: SearchQuery | SearchBody,
    filters: dict[str, str],
    topic: str | None,
    agent_key: str | None,
) -> SearchRequest:
    """The engine's request for a /search question, GET or POST: the topic as a filter, the
    default limit, internal articles for an agent key."""
    settings = service.settings
    if topic:
        filters["topic"] = topic
    return SearchRequest(
        q=asked.q,
        limit=settings.default_limit if asked.limit is None else asked.limit,
        filters=filters,
        internal=internal_access(settings, agent_key),
        explain=asked.explain,
    )


def answer(service: Service, req: SearchRequest) -> Response:
    """A /search response for `req`."""
    # Explain answers are built for the one request (never cached): nothing to keep encoded.
    keep = not req.explain and service.settings.cache_size
    encoded = service.encoded if keep else None
    return search_body(run_search(service, req, "/search", encoded=encoded), encoded=encoded)


@router.get(
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
    service: Service = request.app.state.service
    params = search_query(request)
    filters = parse_filters(params.filter or [])
    agent_key = header(request.scope, b"x-agent-key")
    return answer(service, search_request(service, params, filters, params.topic, agent_key))


@router.post(
    "/search",
    response_model=SearchResponse,
    responses=PROBLEMS,
    tags=["search"],
    summary="Search the help center (JSON body)",
)
async def search_post(
    body: SearchBody, service: ServiceDep, x_agent_key: Annotated[str | None, Header()] = None
) -> Response:
    """The same as GET /search, with the question and filters in a JSON body."""
    return answer(
        service, search_request(service, body, dict(body.filters), body.topic, x_agent_key)
    )


@router.get(
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
    service: ServiceDep,
    limit: Annotated[int, Query(ge=1, le=20, description="Suggestions to return.")] = 8,
    x_agent_key: Annotated[str | None, Header()] = None,
) -> Any:
    """Article titles and `questions` that complete the typed prefix; cheap enough for every keystroke."""
    if len(q) > SUGGEST_MAX_CHARS:  # a 413, as /search answers an over-long query
        raise errors.QueryTooLongError(f"query is longer than {SUGGEST_MAX_CHARS} characters")
    service.snapshot()
    found = service.engine.suggest(q, limit, internal_access(service.settings, x_agent_key))
    return {
        "query": q,
        "suggestions": [
            {"text": s.text, "article": s.article, "kind": s.kind, "url": s.url} for s in found
        ],
    }


@router.post(
    "/deflect",
    response_model=DeflectResponse,
    responses=PROBLEMS,
    tags=["help desk"],
    summary="Answers for a ticket being written",
)
async def deflect(
    body: DeflectBody, service: ServiceDep, x_agent_key: Annotated[str | None, Header()] = None
) -> Response:
    """What a customer is typing into a ticket form (subject and body, together at most
    KB_MAX_DEFLECT_CHARS): the articles likely to solve it and the channel to route it to."""
    settings = service.settings
    text = f"{body.subject}\n{body.body}".strip()
    req = SearchRequest(q=text, limit=body.limit, internal=internal_access(settings, x_agent_key))
    result = run_search(service, req, "/deflect", max_chars=settings.max_deflect_chars)
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
