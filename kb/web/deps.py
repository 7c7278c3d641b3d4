"""What routes depend on, written once: the worker's service, agent access and the admin key."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from kb import errors
from kb.config import Settings
from kb.web.problems import problem
from kb.web.service import Service


def service_of(request: Request) -> Service:
    """The worker's service (set on the app by create_app)."""
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(service_of)]


def header(scope: Scope, name: bytes) -> str | None:
    """A request header's first value, as `request.headers.get` gives it (`name` in lower case:
    an ASGI server gives header names so), without building Starlette's Headers."""
    headers: list[tuple[bytes, bytes]] = scope["headers"]
    for key, value in headers:
        if key == name:
            return value.decode("latin-1")
    return None


def keys_match(given: str | None, keys: list[str]) -> bool:
    """Constant-time comparison against every configured key (no early exit on the first match)."""
    if not given:
        return False
    found = False
    for key in keys:
        found |= hmac.compare_digest(given.encode(), key.encode())
    return found


def internal_access(settings: Settings, agent_key: str | None) -> bool:
    """Whether a caller with this X-Agent-Key may see internal articles."""
    return keys_match(agent_key, settings.agent_keys)


def admin_refusal(settings: Settings, admin_key: str | None) -> JSONResponse | None:
    """None when `admin_key` opens the admin endpoints; else the 401 to answer. Raises a 404 when
    the admin endpoints are off (no KB_ADMIN_KEY)."""
    if not settings.admin_enabled:
        raise StarletteHTTPException(404, "admin endpoints are disabled (set KB_ADMIN_KEY)")
    if not keys_match(admin_key, [settings.admin_key]):
        return problem(401, "unauthorized", "a valid X-Admin-Key header is required")
    return None


def parse_filters(items: list[str], filterable: list[str] | None = None) -> dict[str, str]:
    """`field:value` filters as a dict (a 400 for a malformed one, or for a field not in `filterable`)."""
    filters: dict[str, str] = {}
    for item in items:
        field, sep, value = item.partition(":")
        if not sep or not field or not value:
            raise errors.BadParameterError(f"filter must look like field:value, not {item!r}")
        if filterable is not None and field not in filterable:
            raise errors.BadParameterError(
                f"cannot filter on {field!r}; filterable fields: {', '.join(filterable)}"
            )
        filters[field] = value
    return filters
