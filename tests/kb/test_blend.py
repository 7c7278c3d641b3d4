"""The blend's features: pages written to one pattern, when the question names none of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer import build_index, encoder
from kb.engine import open_engine
from kb.engine.blend import siblings
from kb.engine.search import SearchRequest, title_stems
from tests.conftest import CONTENT


def test_a_family_of_pages_is_marked_unless_the_question_names_the_member() -> None:
    """Titles that differ from two or more others in one word form a family; a member whose own
    word the question asks is not marked, nor is a page outside the family or a copy's twin alone."""
    titles = [
        title_stems(t)
        for t in (
            "Host on Netlify",
            "Host on Render",
            "Host on GitHub Pages",  # one word longer: not of the family
            "Host on Firebase",
            "Deploy your site",
            "Deploy your site",  # a copy is no sibling
        )
    ]
    assert titles[0] == ("host", "netlifi")
    assert siblings(titles, asked={"host", "site"}) == [1.0, 1.0, 0.0, 1.0, 0.0, 0.0]
    assert siblings(titles, asked={"host", "render"}) == [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]


def test_two_pages_are_no_family_and_one_word_titles_are_never_marked() -> None:
    """A family needs three members (two siblings each); a one-word title has no pattern."""
    assert siblings([("host", "netlifi"), ("host", "render")], asked=set()) == [0.0, 0.0]
    assert siblings([("billing",), ("account",), ("orders",)], asked=set()) == [0.0, 0.0, 0.0]


@pytest.mark.skipif(not encoder.available(), reason="kb[semantic] is not installed")
def test_a_search_marks_the_family_pages_the_question_does_not_name(tmp_path: Path) -> None:
    """On a real index with vectors, the answers to a question about hosting in general carry the
    family mark on every "Host on …" page; a question naming one host leaves that page unmarked."""
    content = tmp_path / "content"
    content.mkdir()
    for host in ("Netlify", "Render", "Firebase"):
        (content / f"host-on-{host.lower()}.md").write_text(
            f"---\ntitle: Host on {host}\n---\n## Deploy\n\nPush your site to {host} and it "
            f"is built and published on every commit to your repository.\n",
            encoding="utf-8",
        )
    (content / "hosting.md").write_text(
        "---\ntitle: Where to publish your site\n---\n## Where to host\n\nAny static host can serve "
        "the published site: build it, then upload the public folder.\n",
        encoding="utf-8",
    )
    index = tmp_path / "index"
    build_index(content, index, semantic=True, default_channels=CONTENT / "channels.yaml")
    engine = open_engine(index, cache_size=0, semantic=True).searcher

    def marks(q: str) -> dict[str, float]:
        body = engine.search(SearchRequest(q=q, limit=10, explain=True))
        return {a["article"]: a["signals"]["sibling"] for a in body["answers"]}

    assert marks("where can I host and deploy my site") == {
        "host-on-netlify": 1.0,
        "host-on-render": 1.0,
        "host-on-firebase": 1.0,
        "hosting": 0.0,
    }
    named = marks("deploy my site on netlify")
    assert named["host-on-netlify"] == 0.0 and named["host-on-render"] == 1.0
