"""Browsing the content without a question: articles by topic or front-matter field, and topics.

What a help desk builds a browse page, a sitemap or an agent sidebar from. The order is stable (by
topic, then title, then id), so a cursor (the last id of a page) pages through a version and stays
meaningful across versions.
"""

from __future__ import annotations

import base64
import binascii
from collections import Counter
from dataclasses import dataclass

from indexer.article import Article
from kb.errors import BadParameterError

TITLES_IN_DESCRIPTION = 3


@dataclass(frozen=True, slots=True)
class Page:
    """One page of articles, and the cursor of the next (None on the last)."""

    articles: tuple[Article, ...]
    total: int  # articles that match, over every page
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class Topic:
    """A topic of the help center: its name, how many articles it has and what they are about."""

    topic: str
    title: str
    articles: int
    description: str


def visible(articles: dict[str, Article], internal: bool) -> list[Article]:
    """The articles a caller may see (internal ones only with an agent key), in browsing order."""
    shown = (a for a in articles.values() if internal or a.audience != "internal")
    return sorted(shown, key=lambda a: (a.topic, a.title.casefold(), a.id))


def matches(article: Article, filters: dict[str, str]) -> bool:
    """Whether an article has every `field: value` (case-insensitive; a list field has it among its values)."""
    for name, wanted in filters.items():
        value = article.topic if name == "topic" else article.meta.get(name)
        values = value if isinstance(value, list) else [value]
        if not any(
            v is not None and str(v).strip().casefold() == wanted.casefold() for v in values
        ):
            return False
    return True


def encode_cursor(article_id: str) -> str:
    return base64.urlsafe_b64encode(article_id.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadParameterError("cursor is not one this API gave out") from None


def page(listed: list[Article], limit: int, cursor: str | None) -> Page:
    """The `limit` articles after the one `cursor` names (from the start without one)."""
    start = 0
    if cursor:
        after = decode_cursor(cursor)
        ids = [a.id for a in listed]
        if after not in ids:
            raise BadParameterError("cursor names an article that is no longer listed; start again")
        start = ids.index(after) + 1
    chunk = listed[start : start + limit]
    more = start + limit < len(listed)
    return Page(tuple(chunk), len(listed), encode_cursor(chunk[-1].id) if more and chunk else None)


def topics(listed: list[Article]) -> list[Topic]:
    """Every topic of `listed`, with its article count and a description made of its titles."""
    counts = Counter(a.topic for a in listed)
    titles: dict[str, list[str]] = {}
    for a in listed:
        titles.setdefault(a.topic, []).append(a.title)
    out = []
    for name in sorted(counts):
        shown = titles[name][:TITLES_IN_DESCRIPTION]
        rest = counts[name] - len(shown)
        description = ", ".join(shown) + (f" and {rest} more" if rest > 0 else "")
        out.append(
            Topic(
                name,
                name.replace("-", " ").replace("_", " ").capitalize(),
                counts[name],
                description,
            )
        )
    return out
