"""JSON as kb sends it: markup characters escaped, searches encoded once and reused."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import JSONResponse, Response

from kb.engine.cache import LRU

SEARCH_OPTIONAL = ("did_you_mean", "explain", "search_id")


class SafeJSONResponse(JSONResponse):
    """JSON with <, > and & written as \\u003c, \\u003e, \\u0026: the same data for any JSON reader,
    but a reflected query can never be read as markup, whatever a browser sniffs. Encoded by orjson
    (see docs/decisions/direct-search-route.md)."""

    def render(self, content: Any) -> bytes:
        return safe_json(content)


def safe_json(content: Any) -> bytes:
    """`content` as JSON with <, > and & escaped (see SafeJSONResponse)."""
    raw = orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)
    return raw.replace(b"<", b"\\u003c").replace(b">", b"\\u003e").replace(b"&", b"\\u0026")


class EncodedAnswers:
    """The answers of cached search results, kept encoded: a search served from the result cache
    carries the very list the cache holds, so it is encoded once, not for every request. The
    answers' article ids are kept beside it, for the search log. Keyed by the list's identity,
    holding the list itself so that the identity cannot be reused while the entry lives; bounded
    like the result cache. The engine never changes a cached answer."""

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
