"""Browsing without a question: GET /articles (paged, filtered, audience rules, validators) and GET /topics."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from indexer import build_index
from tests.conftest import CONTENT
from tests.helpers.server import client, make_settings, serve

KEY = "agent-key-0123456789abcdef"


@pytest.fixture(scope="module")
def browse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """The shipped help center plus one internal article, served with an agent key configured."""
    root = tmp_path_factory.mktemp("browse")
    content = root / "content"
    shutil.copytree(CONTENT, content)
    (content / "agent-macros.md").write_text(
        "---\nid: agent-macros\ntitle: Refund override macro\ntopic: returns\naudience: internal\n"
        "summary: For agents.\n---\n## Override\n\nAgents may apply the refund override macro.\n",
        encoding="utf-8",
    )
    build_index(content, root / "index")
    with serve(make_settings(root / "index", content, agent_keys=[KEY])) as url, client(url) as c:
        yield c


def all_pages(c: httpx.Client, **params: str) -> list[dict[str, str]]:
    seen: list[dict[str, str]] = []
    cursor = None
    for _ in range(50):
        query = {**params, "limit": "4", **({"cursor": cursor} if cursor else {})}
        r = c.get("/articles", params=query)
        assert r.status_code == 200, r.text
        body = r.json()
        seen.extend(body["articles"])
        cursor = body["next_cursor"]
        if cursor is None:
            return seen
    raise AssertionError("paging did not end")


def test_paging_lists_every_public_article_once(browse: httpx.Client) -> None:
    """Cursor pages of 4 list each public article exactly once, in the stable order, and hide internal ones."""
    listed = all_pages(browse)
    ids = [a["id"] for a in listed]
    assert len(ids) == len(set(ids)) == browse.get("/articles").json()["total"]
    assert "agent-macros" not in ids and "returns-and-refunds" in ids
    order = [(a["topic"], a["title"].casefold(), a["id"]) for a in listed]
    assert order == sorted(order)
    assert all(browse.get(a["url"]).status_code == 200 for a in listed[:3])


def test_topic_filter_and_agent_key(browse: httpx.Client) -> None:
    """?topic= lists that topic only; an agent key adds the internal article; a bad filter or cursor is a 400."""
    returns = browse.get("/articles", params={"topic": "returns"}).json()
    assert returns["total"] >= 1 and {a["topic"] for a in returns["articles"]} == {"returns"}
    agent = browse.get(
        "/articles", params={"topic": "returns"}, headers={"x-agent-key": KEY}
    ).json()
    assert agent["total"] == returns["total"] + 1
    assert "agent-macros" in [a["id"] for a in agent["articles"]]
    bad = browse.get("/articles", params={"filter": "colour:red"})
    assert bad.status_code == 400 and bad.json()["error"] == "bad_parameter"
    assert browse.get("/articles", params={"cursor": "!!"}).status_code == 400
    assert browse.get("/articles", params={"limit": "0"}).status_code == 422


def test_topics_count_what_the_caller_may_see(browse: httpx.Client) -> None:
    """GET /topics names every topic with its article count and a description, internal ones only for agents."""
    topics = browse.get("/topics").json()
    counts = Counter(a["topic"] for a in all_pages(browse))
    assert {t["topic"]: t["articles"] for t in topics} == dict(counts)
    assert all(t["title"] and t["description"] for t in topics)
    agent = {
        t["topic"]: t["articles"]
        for t in browse.get("/topics", headers={"x-agent-key": KEY}).json()
    }
    assert agent["returns"] == counts["returns"] + 1


def test_listings_carry_version_validators(browse: httpx.Client) -> None:
    """Listings carry an ETag and Last-Modified from the index version; a matching If-None-Match is a 304."""
    first = browse.get("/articles", params={"topic": "returns"})
    etag = first.headers["etag"]
    assert first.headers["last-modified"].endswith("GMT")
    again = browse.get("/articles", params={"topic": "returns"}, headers={"if-none-match": etag})
    assert again.status_code == 304 and again.headers["etag"] == etag
    other = browse.get("/articles", params={"topic": "billing"})
    assert other.headers["etag"] != etag
    topics = browse.get("/topics")
    assert (
        browse.get("/topics", headers={"if-none-match": topics.headers["etag"]}).status_code == 304
    )


def test_openapi_describes_browsing_with_examples(browse: httpx.Client) -> None:
    """Both endpoints are in the OpenAPI document, with examples of their answers."""
    spec = browse.get("/openapi.json").json()
    assert {"/articles", "/topics"} <= set(spec["paths"])
    schemas = spec["components"]["schemas"]
    assert schemas["ArticleList"]["examples"] and schemas["TopicInfo"]["examples"]


def test_an_unknown_topic_is_an_empty_page(tmp_path: Path) -> None:
    """Browsing an index with no articles of a topic answers an empty page, not an error."""
    content = tmp_path / "content"
    content.mkdir()
    (content / "a.md").write_text(
        "---\ntitle: A\ntopic: one\n---\n## S\n\ntext here\n", encoding="utf-8"
    )
    build_index(content, tmp_path / "index")
    with serve(make_settings(tmp_path / "index", content)) as url, client(url) as c:
        empty = c.get("/articles", params={"topic": "two"}).json()
        assert empty == {"articles": [], "total": 0, "next_cursor": None}
        assert c.get("/topics").json()[0]["topic"] == "one"
