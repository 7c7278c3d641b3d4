"""Suggest-as-you-type: completes a prefix to article titles and their `questions`.

Ranking: completions that start with what was typed come first, then those that contain its words
anywhere (the last word as a prefix); titles before questions; shorter first. Both lookups are
binary searches over sorted lists built once per index version, so a keystroke's cost hardly
grows with the number of sections.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from indexer.article import Article
from indexer.schema import words

_END = "\U0010ffff"  # sorts after every character: prefix + _END bounds a prefix range


@dataclass(frozen=True)
class Entry:
    text: str
    article: str
    kind: str
    internal: bool
    words: tuple[str, ...]
    joined: str

    @property
    def rank(self) -> tuple[int, int]:
        return (0 if self.kind == "title" else 1, len(self.text))


class Suggester:
    """In-memory completions for one index version (titles rank above questions)."""

    def __init__(self, articles: dict[str, Article]) -> None:
        entries: list[Entry] = []
        for a in articles.values():
            for kind, text in [("title", a.title), *(("question", q) for q in a.questions)]:
                ws = tuple(words(text))
                if ws:
                    entries.append(
                        Entry(text, a.id, kind, a.audience == "internal", ws, " ".join(ws))
                    )
        # Entry ids in rank order, so every candidate list below is already ranked by its ids.
        entries.sort(key=lambda e: e.rank)
        self.entries = entries
        by_joined = sorted(range(len(entries)), key=lambda i: entries[i].joined)
        self._joined = [entries[i].joined for i in by_joined]
        self._joined_ids = by_joined
        postings: dict[str, set[int]] = {}
        for i, e in enumerate(entries):
            for w in e.words:
                postings.setdefault(w, set()).add(i)
        self._words = sorted(postings)
        self._postings = postings

    def suggest(self, prefix: str, limit: int = 8, internal: bool = False) -> list[Entry]:
        typed = words(prefix)
        if not typed:
            return []
        *head, last = typed
        joined = " ".join(typed)
        # First: entries that start with the text typed (the last word as a prefix).
        lo = bisect_left(self._joined, joined)
        hi = bisect_left(self._joined, joined + _END, lo)
        starting = sorted(self._joined_ids[lo:hi])
        out = self._take(starting, limit, internal, set())
        if len(out) == limit:
            return out
        # Then: entries with every earlier word and a word starting with the last one, anywhere.
        lo = bisect_left(self._words, last)
        hi = bisect_left(self._words, last + _END, lo)
        anywhere: set[int] = set()
        for w in self._words[lo:hi]:
            anywhere |= self._postings[w]
        for h in head:
            anywhere &= self._postings.get(h, set())
        anywhere.difference_update(starting)
        return out + self._take(
            sorted(anywhere), limit - len(out), internal, {e.joined for e in out}
        )

    def _take(self, ids: list[int], limit: int, internal: bool, seen: set[str]) -> list[Entry]:
        out: list[Entry] = []
        for i in ids:
            e = self.entries[i]
            if (e.internal and not internal) or e.joined in seen:
                continue
            seen.add(e.joined)
            out.append(e)
            if len(out) == limit:
                break
        return out
