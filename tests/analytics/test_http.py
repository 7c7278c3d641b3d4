"""Searches, feedback and events recorded through a real server, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from kb.analytics.store import Store, events, feedback, searches
from tests.analytics.service import ADMIN_KEY, CONTENT, Running, serve_analytics
from tests.helpers.server import make_settings


def rows(store: Store, table: sa.Table) -> list[dict[str, Any]]:
    return [
        dict(zip(table.c.keys(), r, strict=True))
        for r in store.read(sa.select(table).order_by(table.c.at))
    ]


def test_searches_are_logged_with_masked_queries(kb: Running, store: Store) -> None:
    """Every search (GET, POST, /deflect) is stored once, its query masked, its outcome as returned."""
    with kb.http() as http:
        got = http.get(
            "/search", params={"q": "refund for order 123-4567890-1234567 to jane@example.com"}
        )
        posted = http.post("/search", json={"q": "track parcel, call +44 20 7946 0958"})
        deflected = http.post(
            "/deflect",
            json={
                "subject": "Damaged item",
                "body": "It arrived broken. Order AB1234567, me@x.org",
            },
        )
    assert got.status_code == posted.status_code == deflected.status_code == 200
    assert kb.analytics.flush()
    stored = {r["id"]: r for r in rows(store, searches)}
    assert set(stored) == {
        got.json()["search_id"],
        posted.json()["search_id"],
        deflected.json()["search_id"],
    }

    g = stored[got.json()["search_id"]]
    assert g["query"] == "refund for order [number] to [email]"
    assert g["query_norm"] == "refund for order [number] to [email]"
    assert g["endpoint"] == "/search"
    assert g["answers"] == [a["article"] for a in got.json()["answers"]]
    assert g["top_article"] == (
        got.json()["answers"][0]["article"] if got.json()["answers"] else None
    )
    assert g["fallback"] == got.json()["fallback"]
    assert g["confidence"] == got.json()["confidence"]
    assert g["channel"] == got.json()["channel"]["id"]
    assert g["results"] == got.json()["total"]
    assert g["latency_ms"] == got.json()["took_ms"]
    assert g["internal"] is False

    assert stored[posted.json()["search_id"]]["query"] == "track parcel, call [phone]"
    d = stored[deflected.json()["search_id"]]
    assert d["endpoint"] == "/deflect"
    assert d["query"] == "Damaged item It arrived broken. Order [number], [email]"
    assert d["fallback"] == (not deflected.json()["deflect"])

    # Only columns written from the caller's words: the id's hex, the time and the
    # floats are generated, and may hold "7946" by chance.
    written = ("query", "query_norm", "endpoint", "answers", "top_article", "channel")
    everything = " ".join(str(r[c]) for r in stored.values() for c in written)
    for secret in ("4567890", "jane@example.com", "7946", "AB1234567", "me@x.org"):
        assert secret not in everything


def test_searches_served_from_the_cache_are_logged_with_their_answers(
    kb: Running, store: Store
) -> None:
    """A repeated question is answered from the result cache, its article ids then read from the
    encoded answers' memo: each stored search still lists the answers its response gave."""
    with kb.http() as http:
        responses = [http.get("/search", params={"q": "damaged item refund"}) for _ in range(3)]
        responses += [http.post("/search", json={"q": "damaged item refund", "limit": 2})]
    assert all(r.status_code == 200 for r in responses)
    assert kb.analytics.flush()
    stored = {r["id"]: r for r in rows(store, searches)}
    for r in responses:
        body = r.json()
        assert body["answers"], "the question is answered"
        assert stored[body["search_id"]]["answers"] == [a["article"] for a in body["answers"]]
    assert len(responses[-1].json()["answers"]) == 2


def test_feedback_and_events_are_recorded(kb: Running, store: Store) -> None:
    """POST /feedback and /events answer 202 and store the vote (comment masked) and the clicks."""
    with kb.http() as http:
        search = http.get("/search", params={"q": "where is my refund"}).json()
        sid = search["search_id"]
        article = search["answers"][0]["article"]
        vote = http.post(
            "/feedback",
            json={
                "search_id": sid,
                "helpful": False,
                "article": article,
                "comment": "no use. mail a@b.co\x00 pls",
            },
        )
        click = http.post(
            "/events", json={"search_id": sid, "type": "answer_click", "article": article}
        )
        contact = http.post(
            "/events", json={"search_id": sid, "type": "channel_click", "channel": "chat"}
        )
    for response in (vote, click, contact):
        assert response.status_code == 202
        assert response.json() == {"status": "recorded"}
    assert kb.analytics.flush()
    [fb] = rows(store, feedback)
    assert (fb["search_id"], fb["article"], fb["helpful"]) == (sid, article, False)
    assert fb["comment"] == "no use. mail [email]  pls"
    stored = [(e["search_id"], e["type"], e["article"], e["channel"]) for e in rows(store, events)]
    assert sorted(stored) == [
        (sid, "answer_click", article, None),
        (sid, "channel_click", None, "chat"),
    ]


def test_a_later_vote_replaces_the_earlier(kb: Running, store: Store) -> None:
    """Voting again on the same search and article replaces the vote; another article is its own."""
    sid = "ab" * 16
    with kb.http() as http:
        for body in (
            {"search_id": sid, "helpful": False, "article": "track-your-order"},
            {
                "search_id": sid,
                "helpful": True,
                "article": "track-your-order",
                "comment": "found it",
            },
            {"search_id": sid, "helpful": True},
        ):
            assert http.post("/feedback", json=body).status_code == 202
    assert kb.analytics.flush()
    stored = sorted((r["article"] or "", r["helpful"], r["comment"]) for r in rows(store, feedback))
    assert stored == [("", True, None), ("track-your-order", True, "found it")]


def test_text_no_database_takes_is_cleaned(kb: Running, store: Store) -> None:
    """A NUL in a comment is stored as a space (PostgreSQL refuses NUL); a lone surrogate is a 422."""
    sid = "cd" * 16

    def send(comment: str, article: str) -> int:
        body = {"search_id": sid, "helpful": True, "article": article, "comment": comment}
        raw = json.dumps(body).encode()  # ASCII with \\u escapes, as a client would send them
        return http.post(
            "/feedback", content=raw, headers={"content-type": "application/json"}
        ).status_code

    with kb.http() as http:
        assert send("nul\x00here", "a") == 202
        assert send("half \ud800 a pair", "b") == 422
        assert send("fine", "c") == 202
    assert kb.analytics.flush()
    assert sorted(r["comment"] for r in rows(store, feedback)) == ["fine", "nul here"]


BAD_BODIES: list[tuple[str, Any]] = [
    ("/feedback", {"helpful": True}),
    ("/feedback", {"search_id": "ab" * 16}),
    ("/feedback", {"search_id": "not-an-id", "helpful": True}),
    ("/feedback", {"search_id": "ab" * 16, "helpful": "perhaps"}),
    ("/feedback", {"search_id": "ab" * 16, "helpful": 0}),
    ("/feedback", {"search_id": "ab" * 16, "helpful": "true"}),
    ("/feedback", {"search_id": "ab" * 16, "helpful": True, "comment": "x" * 1001}),
    ("/feedback", {"search_id": "ab" * 16, "helpful": True, "article": "../etc/passwd"}),
    ("/feedback", {"search_id": "ab" * 16, "helpful": True, "surprise": 1}),
    ("/feedback", ["not", "an", "object"]),
    ("/events", {"search_id": "ab" * 16, "type": "page_view"}),
    ("/events", {"search_id": "ab" * 16, "type": "answer_click"}),
    ("/events", {"search_id": "ab" * 16, "type": "channel_click", "article": "x"}),
    (
        "/events",
        {"search_id": "ab" * 16, "type": "answer_click", "article": None, "channel": "chat"},
    ),
    (
        "/events",
        {"search_id": "ab" * 16, "type": "answer_click", "article": "x", "channel": "chat"},
    ),
    ("/events", {"search_id": 12, "type": "channel_click", "channel": "chat"}),
    ("/events", {"search_id": "ab" * 16, "type": "answer_click", "article": "é"}),
]


def test_bad_input_is_a_json_4xx(kb: Running, store: Store) -> None:
    """Malformed feedback and events get a JSON 422 naming the problem, never a 500, and store nothing."""
    with kb.http() as http:
        for path, body in BAD_BODIES:
            response = http.post(path, json=body)
            assert response.status_code == 422, (path, body, response.text)
            assert response.headers["content-type"].startswith("application/json")
            assert response.json()["error"] == "invalid_request"
            assert response.json()["detail"]
        not_json = http.post(
            "/feedback", content=b"{helpful: yes", headers={"content-type": "application/json"}
        )
        assert not_json.status_code == 422
        too_long = http.post(
            "/feedback", json={"search_id": "ab" * 16, "helpful": True, "comment": "x" * 1000}
        )
        assert too_long.status_code == 202
    assert kb.analytics.flush()
    assert store.counts() == {"kb_searches": 0, "kb_feedback": 1, "kb_events": 0}


def test_admin_report_needs_the_key(kb: Running) -> None:
    """/admin/report answers 401 without the right X-Admin-Key and the report with it."""
    with kb.http() as http:
        assert http.get("/admin/report").status_code == 401
        wrong = http.get("/admin/report", headers={"x-admin-key": ADMIN_KEY + "x"})
        assert wrong.status_code == 401
        assert wrong.json()["error"] == "unauthorized"
        right = http.get("/admin/report", headers={"x-admin-key": ADMIN_KEY})
        assert right.status_code == 200
        assert right.json()["totals"]["searches"] == 0
        bad_days = http.get("/admin/report", params={"days": 0}, headers={"x-admin-key": ADMIN_KEY})
        assert bad_days.status_code == 422


def test_admin_report_is_absent_without_an_admin_key(
    default_index: Path, database_url: str
) -> None:
    """With no KB_ADMIN_KEY configured, /admin/report does not exist (404), whatever key is sent."""
    settings = make_settings(default_index, CONTENT, database_url=database_url)
    with serve_analytics(settings) as running, running.http() as http:
        for headers in ({}, {"x-admin-key": ADMIN_KEY}, {"x-admin-key": ""}):
            response = http.get("/admin/report", headers=headers)
            assert response.status_code == 404
            assert response.json()["error"] == "not_found"


def test_html_report_is_a_safe_page(kb: Running) -> None:
    """The HTML report draws inline SVG charts, runs no script and escapes what customers typed."""
    with kb.http() as http:
        http.get("/search", params={"q": "<script>alert(1)</script> bitcoin"})
        page = http.get(
            "/admin/report", params={"format": "html"}, headers={"x-admin-key": ADMIN_KEY}
        )
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    html = page.text
    assert "<svg" in html
    assert "<script" not in html.lower()
    assert (
        "&lt;script&gt;" not in html
    )  # words() drops the markup; nothing of it reaches the page raw
    assert "bitcoin" in html
    assert "http://" not in html and "https://" not in html


def test_openapi_documents_the_analytics_routes(kb: Running) -> None:
    """/openapi.json describes /feedback, /events and /admin/report with their bodies."""
    with kb.http() as http:
        spec = http.get("/openapi.json").json()
    assert spec["paths"]["/feedback"]["post"]["description"]
    assert spec["paths"]["/events"]["post"]["description"]
    assert spec["paths"]["/admin/report"]["get"]["description"]
    schemas = spec["components"]["schemas"]
    assert schemas["FeedbackBody"]["properties"]["comment"]["anyOf"][0]["maxLength"] == 1000
    assert schemas["AnswerClick"]["required"] == ["search_id", "type", "article"]
    assert schemas["ChannelClick"]["required"] == ["search_id", "type", "channel"]
    assert schemas["FeedbackBody"]["properties"]["helpful"]["type"] == "boolean"
    assert "Report" in schemas
