"""Reading articles: front matter, ids, titles, and the reasons a malformed file is skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.loader import Source, parse_article
from kb.errors import ArticleError


def source(text: str | bytes, rel: str = "help/article.md") -> Source:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return Source(path=Path(rel), rel=rel, raw=raw)


def test_front_matter_fields_become_the_article() -> None:
    """id, title, summary, topic, channel, questions and audience come from the front matter."""
    a = parse_article(
        source(
            "---\nid: refunds\ntitle: Refunds\nsummary: Money back.\ntopic: Billing\n"
            "channel: chat\nquestions: [where is my money]\naudience: internal\nproduct: shoes\n---\n"
            "## Status\n\nText.\n"
        ),
        known_channels={"chat"},
    )
    assert (a.id, a.title, a.summary, a.topic, a.channel) == (
        "refunds",
        "Refunds",
        "Money back.",
        "billing",
        "chat",
    )
    assert a.questions == ["where is my money"] and a.audience == "internal"
    assert a.meta["product"] == "shoes"
    assert a.sections[-1].path == ["Refunds", "Status"]


def test_id_and_title_fall_back_to_path_and_heading() -> None:
    """Without front matter the id comes from the path and the title from the `# ` heading."""
    a = parse_article(source("# Install Guide\n\nSteps.\n", rel="Docs/Getting Started/_index.md"))
    assert a.id == "docs-getting-started"
    assert a.title == "Install Guide"
    assert a.topic == "docs"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("---\ntitle: [unclosed\n---\nbody", "bad front matter"),
        (b"---\ntitle: x\n---\n\xff\xfe bad bytes", "not UTF-8"),
        ("---\nsummary: no title here\n---\nJust a paragraph.", "no title"),
        ("---\ntitle: T\nquestions: not-a-list\n---\ntext", "'questions' must be a list"),
        ("---\ntitle: T\nid: ../../etc/passwd\n---\ntext", "invalid id"),
        ("---\ntitle: T\nchannel: carrier-pigeon\n---\ntext", "unknown channel"),
        ("---\ntitle: T\naudience: everyone\n---\ntext", "audience must be one of"),
        ("---\n- a\n- b\n---\ntext", "not a mapping"),
        ("---\ntitle: {a: 1}\n---\ntext", "must be text"),
    ],
)
def test_malformed_articles_say_why(raw: str | bytes, reason: str) -> None:
    """Each kind of malformed file raises ArticleError naming the file and the reason."""
    with pytest.raises(ArticleError) as info:
        parse_article(source(raw), known_channels={"chat"})
    assert info.value.path == "help/article.md"
    assert reason in info.value.reason


def test_byte_order_mark_is_tolerated() -> None:
    """A UTF-8 byte-order mark before the front matter does not break parsing."""
    a = parse_article(source("\ufeff---\ntitle: BOM\n---\nText.\n"))
    assert a.title == "BOM"


def test_front_matter_values_that_cannot_be_stored_are_dropped() -> None:
    """A huge integer or a date in front matter is left out of the metadata, not a failed build."""
    a = parse_article(
        source(
            "---\ntitle: T\nbig: 123456789012345678901234567890\nwhen: 2024-01-02\nok: 7\n---\ntext"
        )
    )
    assert "big" not in a.meta and "when" not in a.meta and a.meta["ok"] == 7
