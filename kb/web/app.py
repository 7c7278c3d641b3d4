"""The kb application: `create_app` assembles the routers, the error handlers and the middleware.

Routes live in kb.web.routers (one module per resource), what they depend on in kb.web.deps, the
error-to-status table in kb.web.problems.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.telemetry import TelemetryConfig

from kb import __version__, logs
from kb.config import Settings, get_settings
from kb.web import fast_search, problems, rate_limit
from kb.web.encoding import SafeJSONResponse
from kb.web.middleware import InputGuard, RequestContext
from kb.web.routers import analytics, content, ops, search, widget
from kb.web.service import Service

MAX_BODY = 64 * 1024
DESCRIPTION = (
    "Help-center search: ranked answers from Markdown articles with highlighted snippets and a "
    "calibrated confidence, or — when the content does not answer — the right contact channel."
)

# FastAPI's native OpenTelemetry hooks need an OpenTelemetry SDK, which kb does not ship (its metrics
# are Prometheus, at /metrics); unless FASTAPI_OTEL_AUTO_CONFIGURE=true asks for them, they are off
# (left on, FastAPI looks for a configured provider on every request).
TELEMETRY: TelemetryConfig | None = (
    None
    if os.getenv("FASTAPI_OTEL_AUTO_CONFIGURE", "").lower() == "true"
    else {"tracing": False, "metrics": False, "logs": False}
)


def mount(app: FastAPI, router: APIRouter) -> None:
    """Serve a router's routes as the app's own. FastAPI's include_router keeps them behind a
    branch resolved at request time, which `app.routes` does not list; kb reads `app.routes` for the
    Allow header of a 405 and for the direct GET /search route (docs/decisions/flat-routes.md)."""
    app.router.routes.extend(router.routes)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The kb application for these settings (one per worker process)."""
    settings = settings or get_settings()
    service = Service(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        service.holder.refresh()  # the version there is, opened and prepared before the first request
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
        description=DESCRIPTION,
        lifespan=lifespan,
        telemetry=TELEMETRY,
        # Starlette's trailing-slash redirect writes the decoded path into Location ("%de/" becomes
        # "%de", a different URL); every route has one spelling, anything else is a JSON 404.
        redirect_slashes=False,
    )
    app.state.service = service
    problems.install_handlers(app)
    for router in (search.router, content.router, ops.router, widget.router):
        mount(app, router)
    analytics.install(app, service)  # searches, feedback, events and the report (KB_DATABASE_URL)

    fast_search.serve_directly(app)  # innermost: inside every middleware below
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
