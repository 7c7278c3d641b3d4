"""The content: whole articles (JSON, or a page for a browser) and the contact channels."""

from __future__ import annotations

import hashlib
from email.utils import formatdate
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import HTMLResponse, Response

from kb import errors
from kb.web.deps import ServiceDep, internal_access, parse_filters
from kb.web.encoding import SafeJSONResponse
from kb.web.models import ArticleList, ArticleResponse, ChannelInfo, Problem, TopicInfo
from kb.web.pages import article_page
from kb.web.problems import PROBLEMS

router = APIRouter(default_response_class=SafeJSONResponse)


LIST_LIMIT = 200


@router.get(
    "/articles",
    response_model=ArticleList,
    responses={**PROBLEMS, 304: {"description": "Not modified since the ETag given."}},
    tags=["content"],
    summary="Browse articles",
)
async def articles(
    request: Request,
    service: ServiceDep,
    topic: Annotated[str | None, Query(description="Only articles of this topic.")] = None,
    filter: Annotated[
        list[str] | None,
        Query(description="More filters as `field:value` on declared filterable fields."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=LIST_LIMIT, description="Articles per page.")] = 50,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page.")] = None,
    x_agent_key: Annotated[str | None, Header()] = None,
) -> Response:
    """Every article the caller may see (internal ones with an agent key), a page at a time, in a
    stable order: for browse pages, sitemaps and agent sidebars. Answers carry an `ETag` and
    `Last-Modified` from the index version; a matching `If-None-Match` gets a 304."""
    settings = service.settings
    filters = parse_filters(filter or [], settings.filterable_fields)
    if topic:
        filters["topic"] = topic
    snap = service.snapshot()
    validators = version_validators(snap.version, snap.built_at, request.url.query)
    if request.headers.get("if-none-match") == validators["etag"]:
        return Response(status_code=304, headers=validators)
    internal = internal_access(settings, x_agent_key)
    found = service.engine.articles(filters, internal, limit, cursor)
    body = {
        "articles": [
            {
                "id": a.id,
                "title": a.title,
                "summary": a.summary,
                "topic": a.topic,
                "url": service.engine.url(a.id, "").rstrip("#"),
            }
            for a in found.articles
        ],
        "total": found.total,
        "next_cursor": found.next_cursor,
    }
    return SafeJSONResponse(body, headers=validators)


@router.get(
    "/topics",
    response_model=list[TopicInfo],
    responses={429: PROBLEMS[429], 503: PROBLEMS[503]},
    tags=["content"],
    summary="The topics",
)
async def topics(
    request: Request, service: ServiceDep, x_agent_key: Annotated[str | None, Header()] = None
) -> Response:
    """Every topic with how many articles it has and what they cover; `GET /articles?topic=` lists them."""
    snap = service.snapshot()
    validators = version_validators(snap.version, snap.built_at, request.url.query)
    if request.headers.get("if-none-match") == validators["etag"]:
        return Response(status_code=304, headers=validators)
    found = service.engine.topics(internal_access(service.settings, x_agent_key))
    body = [
        {"topic": t.topic, "title": t.title, "articles": t.articles, "description": t.description}
        for t in found
    ]
    return SafeJSONResponse(body, headers=validators)


def version_validators(version: str, built_at: float, query: str) -> dict[str, str]:
    """ETag and Last-Modified of a listing: the index version and the query it was made for."""
    digest = hashlib.sha256(f"{version}?{query}".encode()).hexdigest()[:20]
    return {
        "etag": f'"{digest}"',
        "last-modified": formatdate(built_at, usegmt=True),
        "cache-control": "no-cache",
    }


@router.get(
    "/articles/{article_id}",
    response_model=ArticleResponse,
    responses={**PROBLEMS, 404: {"model": Problem, "description": "No article with this id."}},
    tags=["content"],
    summary="One whole article",
)
async def article(
    article_id: str,
    request: Request,
    service: ServiceDep,
    x_agent_key: Annotated[str | None, Header()] = None,
) -> Any:
    """The whole article, rendered and sanitized, with its sections' anchors and deep links.
    A browser (Accept: text/html) gets it as a readable page, so answers' links land there."""
    service.snapshot()
    engine = service.engine
    a = engine.article(article_id, internal_access(service.settings, x_agent_key))
    if a is None:
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
                "url": engine.url(a.id, s.anchor),
            }
            for s in a.sections
        ],
    }


@router.get(
    "/channels",
    response_model=list[ChannelInfo],
    responses={429: PROBLEMS[429], 503: PROBLEMS[503]},
    tags=["content"],
    summary="The contact channels",
)
async def channels(service: ServiceDep) -> Any:
    """Every direct-contact channel with whether it is open now and when it opens."""
    service.snapshot()
    return service.engine.channels()
