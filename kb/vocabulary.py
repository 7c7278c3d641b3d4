"""What the index knows of words: its vocabulary (typo correction, unknown words) and synonyms."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA

from kb.errors import ContentError
from kb.schema import analyzer, words

_ANALYZER = analyzer()


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The indexed form of one word ('' for a stop word or one too short to index)."""
    tokens = [t.text for t in _ANALYZER(word)]
    return tokens[0] if tokens else ""


def max_typo_distance(word: str) -> int:
    """Edits allowed when correcting a word: none for short words, numbers and codes."""
    if len(word) < 5 or not word.isalpha():
        return 0
    return 1 if len(word) <= 8 else 2


class Vocabulary:
    """The words of one index version with their counts."""

    def __init__(self, counts: dict[str, int]) -> None:
        self.counts = counts
        self.stems = {stem(w) for w in counts} - {""}
        self._by_length: dict[int, list[str]] = {}
        for w in counts:
            if w.isalpha():
                self._by_length.setdefault(len(w), []).append(w)
        self.total = sum(counts.values()) or 1

    def __len__(self) -> int:
        return len(self.counts)

    def knows(self, word: str) -> bool:
        return word in self.counts or stem(word) in self.stems

    def frequency(self, word: str) -> int:
        return self.counts.get(word, 0)

    @lru_cache(maxsize=8192)  # noqa: B019 - one Vocabulary per index version, freed with it
    def correct(self, word: str) -> str | None:
        """The nearest indexed word within the typo distance for its length, or None.

        Ties go to the candidate that keeps the first letter, then to the more frequent word.
        """
        limit = max_typo_distance(word)
        if limit == 0:
            return None
        pool = [
            w
            for n in range(len(word) - limit, len(word) + limit + 1)
            for w in self._by_length.get(n, [])
        ]
        if not pool:
            return None
        found = process.extract(word, pool, scorer=OSA.distance, score_cutoff=limit, limit=8)
        if not found:
            return None
        best = min(found, key=lambda f: (f[1], f[0][0] != word[0], -self.counts.get(f[0], 0)))
        return str(best[0])


@dataclass(frozen=True)
class Synonyms:
    """Groups of words and phrases that mean the same to a customer (content/synonyms.yaml)."""

    groups: tuple[tuple[tuple[str, ...], ...], ...]  # each member as its stems

    @classmethod
    def from_data(cls, data: Any) -> Synonyms:
        if data is None:
            return cls(())
        raw = data.get("groups") if isinstance(data, dict) else data
        if not isinstance(raw, list):
            raise ContentError("synonyms.yaml: expected a list of groups (or 'groups:' list)")
        groups = []
        for group in raw:
            if not isinstance(group, list):
                raise ContentError("synonyms.yaml: every group must be a list of words or phrases")
            members = []
            for member in group:
                stems = tuple(s for s in (stem(w) for w in words(str(member))) if s)
                if stems and stems not in members:
                    members.append(stems)
            if len(members) > 1:
                groups.append(tuple(members))
        return cls(tuple(groups))

    def expansions(self, stems: list[str]) -> list[tuple[int, int, tuple[str, ...]]]:
        """(start, end, other member) for every group member found in the stem sequence."""
        found: list[tuple[int, int, tuple[str, ...]]] = []
        for group in self.groups:
            for member in group:
                n = len(member)
                for i in range(len(stems) - n + 1):
                    if tuple(stems[i : i + n]) == member:
                        found.extend((i, i + n, other) for other in group if other != member)
        return found
