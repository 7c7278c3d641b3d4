"""Suggest-as-you-type: completes a prefix to article titles and their `questions`."""

from __future__ import annotations

from dataclasses import dataclass

from kb.schema import Article, words


@dataclass(frozen=True)
class Entry:
    text: str
    article: str
    kind: str
    internal: bool
    words: tuple[str, ...]
    joined: str


class Suggester:
    """An in-memory list of completions for one index version (titles rank above questions)."""

    def __init__(self, articles: dict[str, Article]) -> None:
        entries: list[Entry] = []
        for a in articles.values():
            for kind, text in [("title", a.title), *(("question", q) for q in a.questions)]:
                ws = tuple(words(text))
                if ws:
                    entries.append(
                        Entry(text, a.id, kind, a.audience == "internal", ws, " ".join(ws))
                    )
        self.entries = entries

    def suggest(self, prefix: str, limit: int = 8, internal: bool = False) -> list[Entry]:
        typed = words(prefix)
        if not typed:
            return []
        *head, last = typed
        joined = " ".join(typed)
        scored: list[tuple[tuple[int, int, int], Entry]] = []
        for e in self.entries:
            if e.internal and not internal:
                continue
            if not any(w.startswith(last) for w in e.words):
                continue
            if head and not all(h in e.words for h in head):
                continue
            starts = 0 if e.joined.startswith(joined) else 1
            scored.append(((starts, 0 if e.kind == "title" else 1, len(e.text)), e))
        scored.sort(key=lambda x: x[0])
        seen: set[str] = set()
        out: list[Entry] = []
        for _, e in scored:
            if e.joined in seen:
                continue
            seen.add(e.joined)
            out.append(e)
            if len(out) == limit:
                break
        return out
