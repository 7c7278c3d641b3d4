"""What a search gives a library caller: typed, frozen results.

The engine computes a search as its JSON body (the HTTP layer sends that body as it is, and the
result cache keeps it); `SearchResult.of` reads the same body into these types for everyone else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class MoreSection:
    """Another matching section of the same article."""

    section: str
    heading: str
    url: str


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer: an article's best-matching section, with a highlighted snippet."""

    article: str
    section: str
    title: str
    heading: str
    snippet: str  # sanitized HTML, matched words in <mark>
    url: str
    score: float
    confidence: float
    topic: str
    more: tuple[MoreSection, ...] = ()
    signals: dict[str, float] | None = None

    @classmethod
    def of(cls, data: dict[str, Any]) -> Answer:
        return cls(
            article=data["article"],
            section=data["section"],
            title=data["title"],
            heading=data["heading"],
            snippet=data["snippet"],
            url=data["url"],
            score=float(data["score"]),
            confidence=float(data["confidence"]),
            topic=data["topic"],
            more=tuple(MoreSection(**m) for m in data.get("more") or ()),
            signals=data.get("signals"),
        )


@dataclass(frozen=True, slots=True)
class ChannelChoice:
    """The contact channel recommended for this question, and why."""

    id: str
    name: str
    how: str
    best_for: str
    open_now: bool
    reason: str
    opens_at: str | None = None  # ISO time it next opens, when closed
    preferred: str | None = None  # the better-fitting channel's id, when that one is closed

    @classmethod
    def of(cls, data: dict[str, Any]) -> ChannelChoice:
        preferred = data.get("preferred")
        return cls(
            id=data["id"],
            name=data["name"],
            how=data["how"],
            best_for=data["best_for"],
            open_now=bool(data["open_now"]),
            reason=data["reason"],
            opens_at=data.get("opens_at"),
            preferred=preferred["id"] if preferred else None,
        )


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Ranked answers, the confidence of the best, whether to hand over, and to which channel."""

    query: str
    answers: tuple[Answer, ...]
    confidence: float
    fallback: bool  # True: not confident enough to answer; show the channel
    channel: ChannelChoice
    total: int
    index_version: str
    did_you_mean: str | None = None
    facets: dict[str, dict[str, int]] | None = None
    explain: dict[str, object] | None = None

    @classmethod
    def of(cls, body: dict[str, Any]) -> SearchResult:
        """The result of an engine's JSON body (see module docstring)."""
        return cls(
            query=body["query"],
            answers=tuple(Answer.of(a) for a in body["answers"]),
            confidence=float(body["confidence"]),
            fallback=bool(body["fallback"]),
            channel=ChannelChoice.of(body["channel"]),
            total=int(body["total"]),
            index_version=body["index_version"],
            did_you_mean=body.get("did_you_mean"),
            facets=body.get("facets"),
            explain=body.get("explain"),
        )


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A title or question that completes what has been typed."""

    text: str
    article: str
    kind: str  # "title" or "question"
    url: str
