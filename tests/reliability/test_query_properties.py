"""Property-based attacks on the query path over HTTP: whatever is typed, kb answers with JSON it
documented, and never a 500."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, quote_from_bytes

import httpx
from hypothesis import example, given
from hypothesis import strategies as st

from tests.helpers.budget import property_settings
from tests.reliability.contract import OpenApiContract

MAX_QUERY = 500  # KB_MAX_QUERY_CHARS default, which the shared test server runs with
MAX_LIMIT = 50  # KB_MAX_LIMIT default
_CONTROL = {c: " " for c in range(32) if c not in (9, 10, 13)} | {0x7F: " "}

SYNTAX = [
    '"',
    "*",
    "?",
    "~",
    "^",
    ":",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "AND",
    "OR",
    "NOT",
    "TO",
    "-",
    "+",
    "!",
    "\\",
    "/",
    "&&",
    "||",
    "title:",
    "body:refund",
    "*:*",
    "refund~2",
    "refund^9",
    "[a TO z]",
    "{a TO z}",
    '"refund',
    "NOT NOT",
    "(((",
    ")))",
    "OR OR",
    "AND AND",
    "refund*",
    "?efund",
    "audience:internal",
    "topic:billing",
    "chunk_id:*",
    "facets:",
    "\x00",
    "%",
    "%00",
    "'",
    ";",
    "refund",
    "order",
    "password",
    "delivery",
    "where",
    "my",
]

unicode_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=80)
control_text = st.text(st.characters(max_codepoint=0xA0, exclude_categories=["Cs"]), max_size=40)
syntax_text = st.lists(st.sampled_from(SYNTAX), max_size=40).flatmap(
    lambda parts: st.sampled_from([" ".join(parts), "".join(parts)])
)
# Around the length limit: both sides of it, in one-byte and four-byte characters.
boundary_text = st.integers(MAX_QUERY - 5, MAX_QUERY + 5).flatmap(
    lambda n: st.text(
        st.sampled_from(["a", " ", "é", "😀", "退", "\u200b"]), min_size=n, max_size=n
    )
)
long_text = st.text(st.characters(exclude_categories=["Cs"]), min_size=MAX_QUERY + 1, max_size=2000)
any_query = st.one_of(unicode_text, control_text, syntax_text, boundary_text, long_text)


def expected_status(q: str) -> int:
    """What the documented limits say a query must get: 413 over the limit, 400 blank, else 200."""
    if len(q) > MAX_QUERY:
        return 413
    if not q.translate(_CONTROL).split():
        return 400
    return 200


def post_json(http: httpx.Client, path: str, data: Any) -> httpx.Response:
    """POST `data` as JSON with every non-ASCII character escaped, so lone surrogates travel too."""
    body = json.dumps(data, ensure_ascii=True)
    return http.post(path, content=body, headers={"content-type": "application/json"})


def check(contract: OpenApiContract, method: str, template: str, response: httpx.Response) -> None:
    """Never a 5xx; always JSON; exactly what /openapi.json documents for that status."""
    assert response.status_code < 500, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/json"), response.headers
    problems = contract.violations(method, template, response)
    assert not problems, problems


@property_settings(max_examples=120)
@given(q=any_query)
@example(q="")
@example(q="\x00\x01\x1f\x7f")
@example(q="a" * MAX_QUERY)
@example(q="a" * (MAX_QUERY + 1))
@example(q='"refund')
@example(q="refund AND OR NOT (")
def test_get_search_answers_every_query_as_documented(
    http: httpx.Client, contract: OpenApiContract, q: str
) -> None:
    """GET /search answers any Unicode text with 200, 400 (blank) or 413 (too long), documented JSON."""
    response = http.get("/search", params={"q": q})
    check(contract, "GET", "/search", response)
    assert response.status_code == expected_status(q), (q, response.text[:300])
    if response.status_code == 200:
        body = response.json()
        assert body["query"] == " ".join(q.translate(_CONTROL).split())
        assert 0.0 <= body["confidence"] <= 1.0


@property_settings(max_examples=80)
@given(q=any_query | st.text(max_size=30))  # st.text includes lone surrogates: JSON can carry them
@example(q="refund \ud800")
@example(q="\udfff")
def test_post_search_never_fails_on_any_json_string(
    http: httpx.Client, contract: OpenApiContract, q: str
) -> None:
    """POST /search with any JSON string (lone surrogates too) answers documented JSON, never a 5xx."""
    response = post_json(http, "/search", {"q": q})
    check(contract, "POST", "/search", response)
    if any(0xD800 <= ord(c) <= 0xDFFF for c in q):
        # A lone surrogate is not text that can be searched or echoed back as UTF-8.
        assert response.status_code in (400, 422), (q, response.text[:300])
    else:
        assert response.status_code == expected_status(q), (q, response.text[:300])


def _invalid_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


invalid_bytes = st.binary(min_size=1, max_size=40).filter(_invalid_utf8)


@property_settings(max_examples=60)
@given(
    raw=invalid_bytes,
    where=st.sampled_from(
        [
            ("GET", "/search", "q={}"),
            ("GET", "/search", "q=refund&topic={}"),
            ("GET", "/search", "q=refund&filter=topic:{}"),
            ("GET", "/search", "q=refund&limit={}"),
            ("GET", "/search", "{}=1&q=refund"),
            ("GET", "/suggest", "q={}"),
            ("POST", "/search", "q={}"),
        ]
    ),
)
@example(raw=b"\xff", where=("GET", "/search", "q={}"))
@example(raw=b"\xc3\x28", where=("GET", "/search", "q={}"))
@example(raw=b"\xed\xa0\x80", where=("GET", "/search", "q={}"))  # a surrogate, UTF-8 encoded
@example(raw=b"refund\xc0\xaf", where=("GET", "/suggest", "q={}"))  # overlong "/"
def test_invalid_utf8_in_the_query_string_is_a_json_400(
    server_url: str, contract: OpenApiContract, raw: bytes, where: tuple[str, str, str]
) -> None:
    """Percent-encoded bytes that are not UTF-8, in any query parameter, get a JSON 400 invalid_utf8."""
    method, template, query = where
    # Pre-encoded: httpx sends the target as given, so the server sees exactly these bytes.
    url = httpx.URL(f"{server_url}{template}?{query.format(quote_from_bytes(raw, safe=''))}")
    with httpx.Client(timeout=30) as c:
        response = c.request(method, url, json={"q": "refund"} if method == "POST" else None)
    check(contract, method, template, response)
    assert response.status_code == 400, response.text[:300]
    assert response.json()["error"] == "invalid_utf8"


not_a_number = st.text(
    st.characters(exclude_categories=["Cs", "Nd", "No", "Nl"]), min_size=1, max_size=20
)
odd_numbers = st.sampled_from(
    ["1e3", "1.5", "0x10", "\uff11", "\u0663", " 3", "3 ", "+3", "-0", "1_0", "NaN"]
)


@property_settings(max_examples=80)
@given(
    limit=st.one_of(st.integers(-(10**20), 10**20), st.integers(-3, MAX_LIMIT + 3), not_a_number)
)
@example(limit=0)
@example(limit=1)
@example(limit=MAX_LIMIT)
@example(limit=MAX_LIMIT + 1)
@example(limit="")
def test_limit_outside_its_range_is_refused(
    http: httpx.Client, contract: OpenApiContract, limit: int | str
) -> None:
    """`limit` in 1..KB_MAX_LIMIT answers 200 with at most that many answers; anything else a 4xx."""
    response = http.get("/search", params={"q": "refund", "limit": str(limit)})
    check(contract, "GET", "/search", response)
    if isinstance(limit, int) and 1 <= limit <= MAX_LIMIT:
        assert response.status_code == 200, response.text[:300]
        assert len(response.json()["answers"]) <= limit
    else:
        assert response.status_code in (400, 422), (
            limit,
            response.status_code,
            response.text[:300],
        )


@property_settings(max_examples=20)
@given(limit=odd_numbers)
def test_numbers_written_oddly_are_never_a_server_error(
    http: httpx.Client, contract: OpenApiContract, limit: str
) -> None:
    """A `limit` written as a float, hex, full-width digit or with spaces is a documented 200 or 4xx."""
    response = http.get("/search", params={"q": "refund", "limit": limit})
    check(contract, "GET", "/search", response)
    if response.status_code == 200:
        assert 1 <= len(response.json()["answers"]) <= MAX_LIMIT


@property_settings(max_examples=60)
@given(limit=st.one_of(st.integers(-(10**6), 10**6), st.none()))
@example(limit=0)
def test_limit_in_the_json_body_is_checked_like_the_query_parameter(
    http: httpx.Client, contract: OpenApiContract, limit: int | None
) -> None:
    """POST /search with a `limit` outside 1..KB_MAX_LIMIT is a 4xx, like GET (0 included)."""
    response = http.post("/search", json={"q": "refund", "limit": limit})
    check(contract, "POST", "/search", response)
    if limit is None or 1 <= limit <= MAX_LIMIT:
        assert response.status_code == 200, response.text[:300]
    else:
        assert response.status_code in (400, 422), (
            limit,
            response.status_code,
            response.text[:300],
        )


@property_settings(max_examples=60)
@given(q=st.one_of(unicode_text, syntax_text, control_text, st.text(min_size=195, max_size=260)))
def test_suggest_answers_any_prefix(http: httpx.Client, contract: OpenApiContract, q: str) -> None:
    """GET /suggest answers any prefix up to 200 characters with suggestions, longer with a 4xx."""
    response = http.get("/suggest", params={"q": q})
    check(contract, "GET", "/suggest", response)
    assert response.status_code == (200 if len(q) <= 200 else 413), response.text[:300]


@property_settings(max_examples=60)
@given(subject=st.one_of(unicode_text, syntax_text), body=st.one_of(unicode_text, long_text))
def test_deflect_answers_any_ticket(
    http: httpx.Client, contract: OpenApiContract, subject: str, body: str
) -> None:
    """POST /deflect answers any subject and body with documented JSON: 200, 400 or 413."""
    response = http.post("/deflect", json={"subject": subject, "body": body})
    check(contract, "POST", "/deflect", response)
    text = f"{subject}\n{body}".strip()
    if len(text) > 5000:
        assert response.status_code == 413
    elif not text.translate(_CONTROL).split():
        assert response.status_code == 400
    else:
        assert response.status_code == 200, response.text[:300]


@property_settings(max_examples=60)
@given(article_id=st.one_of(unicode_text, syntax_text, st.sampled_from(["..", ".", "../CURRENT"])))
@example(article_id="../../../../etc/passwd")
@example(article_id="..%2F..%2Fetc%2Fpasswd")
def test_article_ids_that_do_not_exist_are_json_404(
    http: httpx.Client, contract: OpenApiContract, article_id: str
) -> None:
    """GET /articles/{any text} is the article or a documented JSON 404, never a file or a 5xx."""
    # Dots encoded too, so the client cannot fold "/articles/.." into "/" before it is sent.
    response = http.get(f"/articles/{quote(article_id, safe='').replace('.', '%2E')}")
    assert response.status_code < 500, response.text[:300]
    assert response.headers["content-type"].startswith("application/json")
    if response.status_code == 200:
        assert response.json()["id"] == article_id, article_id
    else:
        assert response.status_code in (404, 400), response.text[:300]
        problems = contract.violations("GET", "/articles/{article_id}", response)
        assert not problems, problems
