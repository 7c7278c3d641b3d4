"""The analytics HTTP surface: POST /feedback, POST /events, GET /admin/report; and `install`.

`install(app, service)` is called once by `kb.web.app.create_app`: it opens the store named by
KB_DATABASE_URL, listens to every search, adds this router and closes the writer at shutdown.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from kb.analytics.page import render_html
from kb.analytics.recorder import Analytics
from kb.analytics.report import Report, build
from kb.analytics.store import Store, StoreError
from kb.web.deps import ServiceDep, admin_refusal
from kb.web.encoding import SafeJSONResponse
from kb.web.models import Problem
from kb.web.problems import problem
from kb.web.service import Service

__all__ = ["install"]

log = logging.getLogger("kb.analytics")

SEARCH_ID = Field(
    ...,
    pattern=r"^[0-9a-f]{32}$",
    description="The `search_id` of the search this is about.",
    examples=["0f6a8c1e2d3b4a5968778695a4b3c2d1"],
)
# What the indexer accepts as an id, and a little more. ASCII classes, not \w: JSON Schema's regexes
# (ECMA-262) read \w as ASCII and pydantic's as Unicode, so "é" would pass one and fail the other.
ARTICLE_ID = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}$"
CHANNEL_ID = r"^[^\x00-\x1f\x7f]{1,200}$"  # channels.yaml ids are free text: no control characters


class FeedbackBody(BaseModel):
    """A "was this helpful?" vote on a search's answer."""

    model_config = ConfigDict(extra="forbid")

    search_id: str = SEARCH_ID
    helpful: bool = Field(..., strict=True, description="Did the answer help? (true or false)")
    article: str | None = Field(
        None, pattern=ARTICLE_ID, description="The article voted on (default: the top answer)."
    )
    comment: str | None = Field(
        None,
        max_length=1000,
        description="Free text, at most 1000 characters; e-mail addresses, "
        "phone and order numbers are masked before it is stored.",
    )


class AnswerClick(BaseModel):
    """An answer was opened."""

    model_config = ConfigDict(extra="forbid")

    search_id: str = SEARCH_ID
    type: Literal["answer_click"]
    article: str = Field(..., pattern=ARTICLE_ID, description="The answer's article id.")


class ChannelClick(BaseModel):
    """A contact channel was chosen."""

    model_config = ConfigDict(extra="forbid")

    search_id: str = SEARCH_ID
    type: Literal["channel_click"]
    channel: str = Field(
        ..., pattern=CHANNEL_ID, description="The channel id (from channels.yaml)."
    )


EventBody = Annotated[AnswerClick | ChannelClick, Field(discriminator="type")]


class Recorded(BaseModel):
    """Accepted: queued for the analytics store."""

    status: Literal["recorded"] = "recorded"


ANALYTICS_PROBLEMS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "A body that is not JSON (or not UTF-8)."},
    413: {"model": Problem, "description": "A body over the request size limit."},
    422: {"model": Problem, "description": "Body not of the documented shape."},
    429: {"model": Problem, "description": "Rate limited; see Retry-After."},
    503: {"model": Problem, "description": "The analytics store cannot take it right now."},
}


router = APIRouter(tags=["analytics"], default_response_class=SafeJSONResponse)


def install(app: FastAPI, service: Service) -> Analytics:
    """Record this app's searches, feedback and events in the store of `service.settings`, and
    serve this router's routes."""
    settings = service.settings
    analytics = Analytics(Store.open(settings.database_url), settings.retention_days)
    service.listeners.append(analytics.on_search)
    app.state.analytics = analytics
    _chain_lifespan(app, analytics)
    app.router.routes.extend(router.routes)  # as kb.web.app.mount does
    return analytics


def analytics_of(request: Request) -> Analytics:
    """The app's analytics recorder (set by install)."""
    analytics: Analytics = request.app.state.analytics
    return analytics


AnalyticsDep = Annotated[Analytics, Depends(analytics_of)]


def queued(ok: bool) -> Response:
    if ok:
        return JSONResponse({"status": "recorded"}, status_code=202)
    return problem(
        503, "analytics_unavailable", "feedback cannot be recorded right now; try again later"
    )


@router.post(
    "/feedback",
    status_code=202,
    response_model=Recorded,
    responses=ANALYTICS_PROBLEMS,
    summary="Was this answer helpful?",
)
async def post_feedback(body: FeedbackBody, analytics: AnalyticsDep) -> Response:
    """Record a yes/no vote (and an optional comment) on a search's answer. A later vote on the
    same search and article replaces the earlier one. Accepted (202) means queued for the store."""
    return queued(analytics.feedback(body.search_id, body.helpful, body.article, body.comment))


@router.post(
    "/events",
    status_code=202,
    response_model=Recorded,
    responses=ANALYTICS_PROBLEMS,
    summary="An answer or a contact channel was clicked",
)
async def post_event(body: EventBody, analytics: AnalyticsDep) -> Response:
    """Record what the customer did after a search: opened an answer (`answer_click`) or went to
    a contact channel (`channel_click`). These make the report's deflection funnel."""
    if isinstance(body, AnswerClick):
        return queued(analytics.event(body.search_id, body.type, body.article, None))
    return queued(analytics.event(body.search_id, body.type, None, body.channel))


@router.get(
    "/admin/report",
    response_model=Report,
    summary="The content team's report",
    responses={
        200: {
            "content": {"text/html": {}},
            "description": "JSON, or the HTML page with format=html.",
        },
        401: {"model": Problem, "description": "Missing or wrong X-Admin-Key."},
        404: {"model": Problem, "description": "Admin endpoints are off (no KB_ADMIN_KEY)."},
        400: {"model": Problem, "description": "A query string that is not UTF-8."},
        422: {"model": Problem, "description": "A parameter out of range."},
        429: {"model": Problem, "description": "Rate limited; see Retry-After."},
        503: {"model": Problem, "description": "The analytics store cannot be read."},
    },
)
async def admin_report(
    service: ServiceDep,
    analytics: AnalyticsDep,
    x_admin_key: Annotated[str | None, Header(description="KB_ADMIN_KEY.")] = None,
    days: Annotated[int, Query(ge=1, le=3650, description="The last N days.")] = 30,
    top: Annotated[int, Query(ge=1, le=200, description="Rows per list (queries, gaps).")] = 20,
    format: Annotated[
        Literal["json", "html"], Query(description="`html`: a page with charts.")
    ] = "json",
) -> Any:
    """Top queries, content gaps (questions that fell back or found nothing, grouped), the
    deflection funnel and helpfulness per article, over the last `days` days."""
    refused = admin_refusal(service.settings, x_admin_key)
    if refused is not None:
        return refused
    await run_in_threadpool(analytics.flush, 5.0)
    try:
        report = await run_in_threadpool(build, analytics.store, days, top=top)
    except StoreError as exc:
        log.warning("analytics report failed: %s", exc)
        return problem(503, "analytics_unavailable", "the analytics store cannot be read right now")
    if format == "html":
        return HTMLResponse(render_html(report), headers={"cache-control": "no-store"})
    return JSONResponse(report.model_dump(mode="json"), headers={"cache-control": "no-store"})


def _chain_lifespan(app: FastAPI, analytics: Analytics) -> None:
    """Start the writer with the app and flush and close it after the app's own shutdown."""
    inner: Callable[[Any], AbstractAsyncContextManager[Any]] = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: Any) -> AsyncIterator[Any]:
        analytics.start()
        try:
            async with inner(a) as state:
                yield state
        finally:
            await run_in_threadpool(analytics.close)

    app.router.lifespan_context = lifespan
