"""The article model: one help article as the indexer read it, and its sections (what a search lands on).

Written by the indexer into each index version (indexer.article_store) and read back by kb.engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Section:
    """One section of an article: what a search lands on."""

    anchor: str
    heading: str
    level: int
    path: list[str]
    html: str
    text: str
    position: int

    @property
    def heading_path(self) -> str:
        return " › ".join(self.path)


@dataclass
class Article:
    """One help article as the indexer read it."""

    id: str
    title: str
    summary: str
    topic: str
    channel: str | None
    audience: str
    questions: list[str]
    source: str
    digest: str
    meta: dict[str, Any]
    sections: list[Section] = field(default_factory=list)
    # Near-empty, or mostly links to other pages (a list page, a moved page): indexed and found,
    # but never ranked above a real article that matches the same words.
    stub: bool = False

    @property
    def html(self) -> str:
        return "\n".join(s.html for s in self.sections)

    def to_json(self) -> dict[str, Any]:
        # Not dataclasses.asdict: its deep copy is most of a large build's metadata time.
        data = {k: v for k, v in self.__dict__.items() if k != "sections"}
        data["sections"] = [dict(s.__dict__) for s in self.sections]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Article:
        sections = [Section(**s) for s in data.pop("sections")]
        return cls(**data, sections=sections)
