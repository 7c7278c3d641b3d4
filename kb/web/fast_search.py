"""GET /search's fast path: its parameters read without FastAPI's per-parameter machinery, and
the route served straight from the innermost middleware (kb.web.middleware.DirectRoute).

Why, what it saves and when to undo it: docs/decisions/direct-search-route.md. Its OpenAPI entry is
written here from the same model (tests/web/test_fast_search.py checks it against the route).
"""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import ValidationError

from kb.web.middleware import DirectRoute
from kb.web.models import SearchQuery

AGENT_KEY_DOC = "Agent key: also searches internal articles."
KEPT_QUERY_BYTES = 2048  # longer query strings are read every time, so what is kept stays bounded


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


def search_query(request: Request) -> SearchQuery:
    """GET /search's parameters, validated as FastAPI would (the last of a repeated parameter, every
    `filter`; a 422 naming the parameter)."""
    query_string: bytes = request.scope["query_string"]
    try:
        if len(query_string) <= KEPT_QUERY_BYTES:
            return _parsed_query(query_string)
        return _read_query(query_string)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("query", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from None


def _read_query(query_string: bytes) -> SearchQuery:
    """A query string's parameters (raises pydantic's ValidationError)."""
    # As Starlette's request.query_params reads it, without building its multi-dict.
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    data: dict[str, Any] = dict(pairs)
    if "filter" in data:
        data["filter"] = [value for name, value in pairs if name == "filter"]
    return SearchQuery.model_validate(data)


# Query strings' parameters, kept by their bytes: the questions that fill the result cache come
# again as the same query strings. An error is raised, never kept; nothing changes a SearchQuery.
_parsed_query = functools.lru_cache(maxsize=4096)(_read_query)


def search_route(app: FastAPI) -> APIRoute:
    """The declared GET /search route of `app`."""
    return next(
        r
        for r in app.routes
        if isinstance(r, APIRoute) and r.path == "/search" and "GET" in (r.methods or ())
    )


def serve_directly(app: FastAPI) -> None:
    """Serve GET /search from the innermost middleware, inside every other one added after this."""
    route = search_route(app)
    app.add_middleware(
        DirectRoute, route=route, endpoint=route.endpoint, handlers=app.exception_handlers
    )
