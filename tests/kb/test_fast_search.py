"""GET /search's fast path reads exactly the parameters its OpenAPI entry declares."""

from __future__ import annotations

from pathlib import Path

import httpx
from pydantic.fields import FieldInfo

from kb.web.app import create_app
from kb.web.fast_search import SEARCH_PARAMETERS, search_route
from kb.web.models import SearchQuery
from tests.conftest import CONTENT
from tests.helpers.server import make_settings


def test_openapi_parameters_are_the_query_model_and_the_agent_key(tmp_path: Path) -> None:
    """The declared GET /search parameters are SearchQuery's fields (names, required, schemas) plus
    the X-Agent-Key header, and the app's OpenAPI publishes exactly those."""
    app = create_app(make_settings(tmp_path / "index", CONTENT))
    published = app.openapi()["paths"]["/search"]["get"]["parameters"]
    assert published == SEARCH_PARAMETERS
    fields: dict[str, FieldInfo] = SearchQuery.model_fields
    query = {p["name"]: p for p in published if p["in"] == "query"}
    assert set(query) == set(fields)
    for name, field in fields.items():
        assert query[name]["required"] == field.is_required(), name
        assert query[name]["description"] == field.description, name
    headers = [p["name"] for p in published if p["in"] == "header"]
    assert headers == ["x-agent-key"]
    assert search_route(app).endpoint.__name__ == "search_get"


def test_fast_path_answers_as_declared(http: httpx.Client) -> None:
    """Every declared parameter is read (a repeated `filter`, `explain`), and an undeclared value
    of a declared parameter is a 422 naming it."""
    ok = http.get("/search", params=[("q", "refund"), ("limit", "2"), ("explain", "true")])
    assert ok.status_code == 200
    body = ok.json()
    assert len(body["answers"]) <= 2 and body["explain"] is not None
    bad = http.get("/search", params={"q": "refund", "limit": "many"})
    assert bad.status_code == 422 and "limit" in bad.json()["detail"]
    filtered = http.get(
        "/search", params=[("q", "refund"), ("filter", "topic:returns"), ("filter", "x")]
    )
    assert filtered.status_code == 400 and "field:value" in filtered.json()["detail"]
