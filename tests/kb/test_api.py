"""The HTTP API over a real uvicorn server: answers, shapes, bad input, hot index switching."""

from __future__ import annotations

import logging
import re
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from indexer import build_index, layout
from kb.web.middleware import new_id
from kb.web.models import DeflectResponse, SearchResponse
from tests.conftest import CONTENT
from tests.helpers.logs import Captured, captured
from tests.helpers.server import client, make_settings, serve


def test_search_answers_with_deep_link_snippet_and_channel(http: httpx.Client) -> None:
    """A covered question gets a confident answer, a highlighted snippet and a deep link."""
    r = http.get("/search", params={"q": "when will I get my refund"})
    assert r.status_code == 200
    body = r.json()
    top = body["answers"][0]
    assert top["article"] == "returns-and-refunds"
    assert "<mark>" in top["snippet"]
    assert top["url"] == f"/articles/returns-and-refunds#{top['section']}"
    assert top["heading"].startswith("Returns and refunds › ")
    assert 0.5 <= body["confidence"] <= 1 and body["fallback"] is False
    assert {"id", "name", "how", "open_now"} <= set(body["channel"])
    assert body["took_ms"] >= 0 and body["search_id"]


def test_one_answer_per_article(http: httpx.Client) -> None:
    """Answers are grouped by article; other matching sections are listed under the best one."""
    body = http.get("/search", params={"q": "refund return status", "limit": 10}).json()
    articles = [a["article"] for a in body["answers"]]
    assert len(articles) == len(set(articles))
    assert any(a["more"] for a in body["answers"])


def test_off_topic_falls_back_to_a_channel(http: httpx.Client) -> None:
    """A question the content does not answer is a fallback with a channel to contact."""
    body = http.get("/search", params={"q": "how do I bake sourdough bread"}).json()
    assert body["fallback"] is True and body["confidence"] < 0.5
    assert body["channel"]["id"] == "chat"


def test_post_search_matches_get(http: httpx.Client) -> None:
    """POST /search with a JSON body answers like GET."""
    get = http.get("/search", params={"q": "I was charged twice", "limit": 3}).json()
    post = http.post("/search", json={"q": "I was charged twice", "limit": 3}).json()
    assert [a["article"] for a in get["answers"]] == [a["article"] for a in post["answers"]]
    assert post["channel"]["id"] == "billing-support"


def test_typo_is_corrected_and_reported(http: httpx.Client) -> None:
    """A misspelt query is answered and the response carries the corrected query."""
    body = http.get("/search", params={"q": "refnud for my retrun"}).json()
    assert body["did_you_mean"] == "refund for my return"
    assert body["answers"][0]["article"] == "returns-and-refunds"


def test_topic_filter_and_facets(http: httpx.Client) -> None:
    """`topic` restricts answers; facets count matching articles per topic."""
    body = http.get("/search", params={"q": "contact customer service", "limit": 10}).json()
    assert sum(body["facets"]["topic"].values()) == body["total"]
    only = http.get("/search", params={"q": "contact customer service", "topic": "contact"}).json()
    assert only["answers"] and {a["topic"] for a in only["answers"]} == {"contact"}
    bad = http.get("/search", params={"q": "x", "filter": "colour:red"})
    assert bad.status_code == 400 and "filterable" in bad.json()["detail"]


@pytest.mark.parametrize(
    "q",
    [
        '"refund"',
        "refund:status",
        "ref*",
        "re?und",
        "refund~2",
        "refund^5",
        "refund AND NOT return",
        "(refund) [status] {x}",
        "title:refund OR body:*",
        "***",
        "~~~",
        '"',
        "a:b:c:",
    ],
)
def test_query_syntax_is_plain_text(http: httpx.Client, q: str) -> None:
    """Whoosh query syntax in a query is just text: never an error, never a wildcard expansion."""
    r = http.get("/search", params={"q": q})
    assert r.status_code == 200, r.text
    assert r.json()["query"] == q


@pytest.mark.parametrize(
    ("params", "status", "error"),
    [
        ({"q": ""}, 400, "empty_query"),
        ({"q": "   \t "}, 400, "empty_query"),
        ({"q": "x" * 501}, 413, "query_too_long"),
        ({"q": "refund", "limit": 0}, 400, "bad_parameter"),
        ({"q": "refund", "limit": 51}, 400, "bad_parameter"),
        ({"q": "refund", "limit": "ten"}, 422, "invalid_request"),
        ({}, 422, "invalid_request"),
    ],
)
def test_bad_input_is_a_json_4xx(
    http: httpx.Client, params: dict[str, object], status: int, error: str
) -> None:
    """Empty, blank, over-long queries and bad limits get a clear JSON 4xx."""
    r = http.get("/search", params=params)
    assert r.status_code == status
    assert r.json()["error"] == error and r.json()["detail"]


def test_invalid_utf8_is_a_json_400(server_url: str) -> None:
    """Invalid UTF-8 in the query string (raw bytes) is a JSON 400, not a 500."""
    r = httpx.get(f"{server_url}/search?q=%FF%FEabc")
    assert r.status_code == 400 and r.json()["error"] == "invalid_utf8"
    body = httpx.post(
        f"{server_url}/search",
        content=b'{"q": "\xff"}',
        headers={"content-type": "application/json"},
    )
    assert 400 <= body.status_code < 500 and "error" in body.json()


def test_article_endpoint_and_unknown_ids(http: httpx.Client) -> None:
    """A whole article is served rendered with section anchors; unknown ids are a JSON 404."""
    body = http.get("/articles/returns-and-refunds").json()
    assert body["title"] == "Returns and refunds"
    for s in body["sections"]:
        assert f'id="{s["anchor"]}"' in body["html"]
    for bad in ("nope", "..%2F..%2Fetc%2Fpasswd", "%2e%2e"):
        r = http.get(f"/articles/{bad}")
        assert r.status_code == 404 and r.json()["error"] == "not_found"


def test_channels_health_ready_and_openapi(http: httpx.Client) -> None:
    """/channels lists the four channels; /healthz and /readyz answer; OpenAPI lists every endpoint."""
    ids = {c["id"] for c in http.get("/channels").json()}
    assert ids == {"chat", "phone", "email", "billing-support"}
    assert http.get("/healthz").json() == {"status": "ok"}
    ready = http.get("/readyz").json()
    assert ready["status"] == "ready" and ready["articles"] >= 14
    paths = set(http.get("/openapi.json").json()["paths"])
    assert {
        "/search",
        "/suggest",
        "/deflect",
        "/articles/{article_id}",
        "/channels",
        "/healthz",
        "/readyz",
        "/metrics",
    } <= paths


def test_suggest_completes_titles_and_questions(http: httpx.Client) -> None:
    """/suggest completes a prefix to article titles first, then questions."""
    body = http.get("/suggest", params={"q": "retur"}).json()
    assert body["suggestions"][0]["text"] == "Returns and refunds"
    assert all("retur" in s["text"].lower() for s in body["suggestions"])
    assert http.get("/suggest", params={"q": "zzzqqq"}).json()["suggestions"] == []


def test_suggest_and_search_refuse_an_over_long_query_alike(http: httpx.Client) -> None:
    """An over-long query is a JSON 413 `query_too_long` from /suggest as from /search."""
    for path, q in [("/suggest", "x" * 201), ("/search", "x" * 501)]:
        response = http.get(path, params={"q": q})
        assert response.status_code == 413, (path, response.text)
        assert response.json()["error"] == "query_too_long"


def test_deflect_suggests_articles_for_a_ticket(http: httpx.Client) -> None:
    """/deflect reads a ticket's subject and body and returns likely articles and a channel."""
    r = http.post(
        "/deflect",
        json={
            "subject": "Charged twice",
            "body": "Hi, I see two identical charges on my card for one order. Can you fix this?",
        },
    )
    body = r.json()
    assert r.status_code == 200 and body["answers"][0]["article"] == "billing-and-payments"
    assert body["channel"]["id"] == "billing-support" and isinstance(body["deflect"], bool)
    too_long = http.post("/deflect", json={"subject": "x", "body": "y" * 6000})
    assert too_long.status_code == 413


def test_deflect_reads_a_ticket_without_its_courtesy_and_particulars(http: httpx.Client) -> None:
    """A ticket whose body opens with a greeting and closes with a signature, an email address and
    an order number gets the articles and confidence of the ticket without them."""
    bare = http.post(
        "/deflect",
        json={"subject": "Charged twice", "body": "I see two identical charges on my card."},
    ).json()
    dressed = http.post(
        "/deflect",
        json={
            "subject": "Charged twice",
            "body": "Good morning Acme team, I see two identical charges on my card. #48213 "
            "Thanks in advance! Kind regards, Maria Gonzalez, maria@example.com",
        },
    ).json()
    assert [a["article"] for a in dressed["answers"]] == [a["article"] for a in bare["answers"]]
    assert dressed["confidence"] == bare["confidence"] and dressed["deflect"] == bare["deflect"]


def test_explain_returns_signals(http: httpx.Client) -> None:
    """explain=true exposes the confidence signals and the channel reason."""
    body = http.get("/search", params={"q": "pakage not delivred", "explain": "true"}).json()
    assert set(body["answers"][0]["signals"]) >= {"coverage", "margin", "unknown"}
    assert [c["correction"] for c in body["explain"]["concepts"]] == ["package", None, "delivered"]
    assert body["channel"]["reason"]


def test_request_id_is_echoed_and_headers_set(http: httpx.Client) -> None:
    """Every response carries a request id (the caller's, when given) and security headers."""
    r = http.get("/healthz", headers={"x-request-id": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    assert r.headers["x-content-type-options"] == "nosniff"


def test_new_index_is_picked_up_without_restart(tmp_path: Path) -> None:
    """Publishing a new version switches the running server over, failing no request meanwhile."""
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    index = tmp_path / "index"
    build_index(content, index)
    errors: list[str] = []
    stop = threading.Event()
    with serve(make_settings(index, content)) as url, client(url) as c:
        before = c.get("/readyz").json()["version"]

        def hammer() -> None:
            with client(url) as h:
                while not stop.is_set():
                    r = h.get("/search", params={"q": "track my package"})
                    if r.status_code != 200:
                        errors.append(r.text)

        worker = threading.Thread(target=hammer)
        worker.start()
        (content / "new-topic.md").write_text(
            "---\nid: gift-wrap\ntitle: Gift wrapping\ntopic: orders\n---\n# Gift wrapping\n\n"
            "## Add gift wrapping\n\nChoose gift wrapping at checkout for a wrapped parcel.\n",
            encoding="utf-8",
        )
        build_index(content, index, incremental=True)
        deadline = time.monotonic() + 10
        while c.get("/readyz").json()["version"] == before and time.monotonic() < deadline:
            time.sleep(0.05)
        stop.set()
        worker.join()
        assert c.get("/readyz").json()["version"] == layout.current_version(index).name  # type: ignore[union-attr]
        assert (
            c.get("/search", params={"q": "gift wrapping"}).json()["answers"][0]["article"]
            == "gift-wrap"
        )
    assert errors == []


def test_an_idle_worker_opens_a_new_version_in_its_poll_thread(tmp_path: Path) -> None:
    """With no request coming, a worker opens a newly published version by itself, in its poll
    thread (never in a request), and serves it to the next request."""
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    index = tmp_path / "index"
    build_index(content, index)
    with (
        captured("kb.index", logging.INFO) as log,
        serve(make_settings(index, content)) as url,
        client(url) as c,
    ):
        assert c.get("/readyz").status_code == 200
        (content / "a.md").write_text("---\ntitle: Gift cards\n---\n## Redeem\n\nA code.\n")
        version = build_index(content, index, incremental=True).version
        deadline = time.monotonic() + 10
        while version not in _loaded(log) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _loaded(log)[version] == ["kb-index-poll"]
        assert c.get("/readyz").json()["version"] == version
        assert c.get("/search", params={"q": "gift card"}).json()["answers"]


def test_a_question_cached_before_a_new_version_is_answered_from_the_new_one(
    tmp_path: Path,
) -> None:
    """The result cache is not emptied when a version is loaded (its keys hold the version): the same
    question, asked before and after an edit that changes its answer, gets the edit's answer, and the
    second asking is not counted as served from the cache."""
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    index = tmp_path / "index"
    build_index(content, index)
    question = {"q": "engraved brass plaque", "limit": 10}
    with serve(make_settings(index, content)) as url, client(url) as c:
        before = c.get("/search", params=question).json()
        assert "engraving" not in [a["article"] for a in before["answers"]]
        assert (
            c.get("/search", params=question).json()["answers"] == before["answers"]
        )  # now cached
        (content / "engraving.md").write_text(
            "---\nid: engraving\ntitle: Engraved brass plaques\n---\n## Order an engraved brass plaque\n\n"
            "Choose the brass plaque and type the engraving.\n",
            encoding="utf-8",
        )
        version = build_index(content, index, incremental=True).version
        deadline = time.monotonic() + 10
        while c.get("/readyz").json()["version"] != version and time.monotonic() < deadline:
            time.sleep(0.02)
        hits = _cache_hits(c)
        after = c.get("/search", params=question).json()
        assert after["index_version"] == version
        assert after["answers"][0]["article"] == "engraving"
        assert _cache_hits(c) == hits


def _cache_hits(c: httpx.Client) -> float:
    found = re.search(r"^kb_search_cache_hits_total (\S+)$", c.get("/metrics").text, re.MULTILINE)
    assert found is not None
    return float(found.group(1))


def _loaded(log: Captured) -> dict[str, list[str]]:
    """The versions logged as loaded, and the threads that loaded each."""
    loaded: dict[str, list[str]] = {}
    for record, thread in zip(log.records, log.threads, strict=True):
        if record.getMessage() == "index version loaded":
            loaded.setdefault(record.version, []).append(thread)  # type: ignore[attr-defined]
    return loaded


def test_no_index_means_not_ready_but_alive(tmp_path: Path) -> None:
    """Without a built index /healthz is up, /readyz is 503 with a reason, search is a JSON 503."""
    with serve(make_settings(tmp_path / "index", CONTENT)) as url, client(url) as c:
        assert c.get("/healthz").status_code == 200
        ready = c.get("/readyz")
        assert ready.status_code == 503 and "no index" in ready.json()["reason"]
        r = c.get("/search", params={"q": "refund"})
        assert r.status_code == 503 and r.json()["error"] == "index_unavailable"


def test_internal_articles_need_an_agent_key(tmp_path: Path) -> None:
    """`audience: internal` articles are found only with a configured agent key."""
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    (content / "agent-macros.md").write_text(
        "---\nid: agent-macros\ntitle: Refund override macro\naudience: internal\n---\n"
        "## Override\n\nAgents may apply the refund override macro after approval.\n",
        encoding="utf-8",
    )
    build_index(content, tmp_path / "index")
    key = "agent-key-0123456789abcdef"
    with (
        serve(make_settings(tmp_path / "index", content, agent_keys=[key])) as url,
        client(url) as c,
    ):
        public = c.get("/search", params={"q": "refund override macro", "limit": 10}).json()
        assert "agent-macros" not in [a["article"] for a in public["answers"]]
        assert c.get("/articles/agent-macros").status_code == 404
        wrong = c.get(
            "/search", params={"q": "refund override macro"}, headers={"x-agent-key": "nope"}
        ).json()
        assert "agent-macros" not in [a["article"] for a in wrong["answers"]]
        agent = c.get(
            "/search", params={"q": "refund override macro"}, headers={"x-agent-key": key}
        ).json()
        assert agent["answers"][0]["article"] == "agent-macros"
        assert c.get("/articles/agent-macros", headers={"x-agent-key": key}).status_code == 200


def test_article_links_open_as_a_page_in_a_browser(http: httpx.Client) -> None:
    """A browser following an answer's link gets a readable page with the section's anchor."""
    answer = http.get("/search", params={"q": "refund status"}).json()["answers"][0]
    path, anchor = answer["url"].split("#")
    page = http.get(path, headers={"accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.headers["content-type"].startswith("text/html")
    assert f'id="{anchor}"' in page.text and "<script" not in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_operator_content_without_channels_uses_the_default_channels(tmp_path: Path) -> None:
    """A content folder with no channels.yaml builds with a warning and serves the default channels."""
    content = tmp_path / "content"
    content.mkdir()
    (content / "faq.md").write_text(
        "---\ntitle: Shipping FAQ\n---\n## Shipping times\n\nOrders ship within a few days.\n",
        encoding="utf-8",
    )
    report = build_index(content, tmp_path / "index", default_channels=CONTENT / "channels.yaml")
    assert any("default channels" in w for w in report.warnings)
    with serve(make_settings(tmp_path / "index", content)) as url, client(url) as c:
        body = c.get("/search", params={"q": "shipping times"}).json()
        assert body["answers"][0]["article"] == "faq"
        assert body["channel"]["id"] in {"chat", "phone", "email", "billing-support"}


@pytest.mark.parametrize(
    ("method", "path", "request_args", "model"),
    [
        ("GET", "/search", {"params": {"q": "when will I get my refund"}}, SearchResponse),
        ("GET", "/search", {"params": {"q": "how do I bake sourdough bread"}}, SearchResponse),
        (
            "GET",
            "/search",
            {"params": {"q": "pakage not delivred", "explain": "1"}},
            SearchResponse,
        ),
        ("POST", "/search", {"json": {"q": "charged twice", "limit": 2}}, SearchResponse),
        (
            "POST",
            "/deflect",
            {"json": {"subject": "refund", "body": "where is it"}},
            DeflectResponse,
        ),
    ],
)
def test_search_bodies_are_exactly_their_documented_model(
    http: httpx.Client, method: str, path: str, request_args: dict[str, Any], model: type[BaseModel]
) -> None:
    """A search's JSON (encoded without a response-model pass) is what its model would write: no
    field more, every optional field present (null when unset)."""
    r = http.request(method, path, **request_args)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body = r.json()
    assert body == model.model_validate(body).model_dump(mode="json")


def test_search_query_parameters_behave_as_documented(http: httpx.Client) -> None:
    """GET /search reads every `filter`, the last of a repeated parameter and lax booleans, and
    names the parameter in a 422; OpenAPI lists the parameters."""
    both = http.get("/search?q=refund&topic=nope&topic=orders&explain=yes&limit=2&limit=3")
    assert both.status_code == 200 and both.json()["explain"] is not None
    assert len(both.json()["answers"]) <= 3
    assert {a["topic"] for a in both.json()["answers"]} <= {"orders"}
    filters = http.get("/search?q=refund&filter=topic:orders&filter=colour:red")
    assert filters.status_code == 400 and "colour" in filters.json()["detail"]
    bad = http.get("/search?q=refund&explain=perhaps")
    assert bad.status_code == 422 and bad.json()["detail"].startswith("query.explain: ")
    missing = http.get("/search?limit=3")
    assert missing.status_code == 422 and missing.json()["detail"] == "query.q: Field required"
    spec = http.get("/openapi.json").json()["paths"]["/search"]["get"]
    params = {(p["name"], p["in"], p["required"]) for p in spec["parameters"]}
    assert params == {
        ("q", "query", True),
        ("limit", "query", False),
        ("topic", "query", False),
        ("filter", "query", False),
        ("explain", "query", False),
        ("x-agent-key", "header", False),
    }
    schema = spec["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/SearchResponse"}


def test_a_search_served_from_the_cache_is_the_same_body(
    tmp_path: Path, default_index: Path
) -> None:
    """A repeated search (answers kept encoded) returns the body of a search with no cache, escaped alike."""
    asked = [("where is my refund", 10), ("Where is my REFUND", 10), ("where is my refund", 3)]
    bodies: dict[int, list[tuple[dict[str, Any], bytes]]] = {}
    for cache_size in (0, 64):
        settings = make_settings(default_index, CONTENT, cache_size=cache_size)
        with serve(settings) as url, client(url) as http:
            got = []
            for q, limit in [*asked, *asked]:
                r = http.get("/search", params={"q": q, "limit": limit})
                assert r.status_code == 200
                got.append((r.json(), r.content))
            bodies[cache_size] = got
    for (cold, _), (warm, warm_raw) in zip(bodies[0], bodies[64], strict=True):
        for body in (cold, warm):
            del body["took_ms"], body["search_id"]
        assert warm == cold
        assert b"<" not in warm_raw and b"\\u003cmark\\u003e" in warm_raw


def test_search_ids_are_unique_and_grow_with_time() -> None:
    """32 hex digits, never repeated, and an id made later sorts after (the analytics table's key is
    appended to, not written all over)."""
    first = [new_id() for _ in range(2000)]
    time.sleep(0.002)
    later = new_id()
    assert len(set(first)) == len(first)
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in [*first, later])
    assert [i[:12] for i in first] == sorted(i[:12] for i in first)
    assert later > max(first)
    assert abs(int(later[:12], 16) / 1000 - time.time()) < 60
