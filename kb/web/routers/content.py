"""The content: whole articles (JSON, or a page for a browser) and the contact channels."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import HTMLResponse

from kb import errors
from kb.web.deps import ServiceDep, internal_access
from kb.web.encoding import SafeJSONResponse
from kb.web.models import ArticleResponse, ChannelInfo, Problem
from kb.web.pages import article_page
from kb.web.problems import PROBLEMS

router = APIRouter(default_response_class=SafeJSONResponse)


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
            {"anchor": s.anchor, "heading": s.heading, "path": s.path, "url": engine.url(a.id, s.anchor)}
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
