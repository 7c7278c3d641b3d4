"""Operations: liveness, readiness, Prometheus metrics and the admin rebuild."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.responses import Response

from kb import errors
from kb.config import Settings
from kb.web.deps import ServiceDep, admin_refusal
from kb.web.encoding import SafeJSONResponse
from kb.web.models import Health, Problem, Ready

router = APIRouter(tags=["operations"], default_response_class=SafeJSONResponse)


@router.get("/healthz", response_model=Health, summary="Liveness")
async def healthz() -> Any:
    """The process is alive (it says nothing about the index; see /readyz)."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=Ready,
    responses={503: {"model": Ready}},
    summary="Readiness",
)
async def readyz(service: ServiceDep) -> Any:
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
        "search": service.engine.mode(),
    }
    if service.holder.error:
        body["reason"] = f"serving {snap.version}; newer version not loaded: {service.holder.error}"
    return body


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(service: ServiceDep) -> Response:
    """Request counts and latency, searches, fallbacks by channel, zero results, index size and age,
    reindex count and duration — Prometheus text format."""
    with contextlib.suppress(
        errors.KbError
    ):  # the index gauges keep their last values; /readyz says why
        service.snapshot()
    return Response(service.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")


@router.post(
    "/admin/reindex",
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
    service: ServiceDep,
    x_admin_key: Annotated[str | None, Header()] = None,
    full: Annotated[
        bool, Query(description="Rebuild everything instead of only changed articles.")
    ] = False,
) -> Any:
    """Rebuild from the content folder and switch atomically; every worker picks it up."""
    settings = service.settings
    refused = admin_refusal(settings, x_admin_key)
    if refused is not None:
        return refused
    started = time.perf_counter()
    try:
        report = await build_in_a_process(settings, full)
    except errors.KbError:
        service.metrics.reindex.labels("failed").inc()
        raise
    service.metrics.reindex.labels("ok").inc()
    service.metrics.reindex_seconds.observe(time.perf_counter() - started)
    service.holder.refresh()
    return report


async def build_in_a_process(settings: Settings, full: bool) -> dict[str, Any]:
    """Settings.build_index run in a process of its own (started fresh, not forked from this
    threaded one): what a build holds while it reads, embeds and fits never stays in a serving
    worker's memory, and its CPU never holds this worker's GIL. Its report, as JSON."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        kind, result = await asyncio.get_running_loop().run_in_executor(
            pool, _build, settings, full
        )
    if kind == "ok":
        return result
    raise BUILD_ERRORS.get(result["error"], errors.BuildError)(result["detail"])


# A build's errors cross the process boundary as their name and message (ArticleError's own
# constructor does not unpickle); each is raised again here as itself or its nearest kind.
BUILD_ERRORS: dict[str, type[errors.KbError]] = {
    "ContentError": errors.ContentError,
    "ArticleError": errors.ContentError,
    "ConfigError": errors.ConfigError,
    "BuildError": errors.BuildError,
}


def _build(settings: Settings, full: bool) -> tuple[str, dict[str, Any]]:
    try:
        return "ok", settings.build_index(full=full).to_json()
    except errors.KbError as exc:
        return "error", {"error": type(exc).__name__, "detail": str(exc)}
