"""Meaning as well as words: a version's section vectors and the cosine of a question to each article.

The build stores one unit vector per section and one per article card (indexer.vectors); a question
is embedded with the same model (indexer.encoder) after its typos are corrected. An article's cosine
is the best of its rows'. `nearest` finds the articles closest in meaning, which words may miss.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import numpy.typing as npt

from indexer import encoder, vector_cache, vectors
from kb.engine.cache import LRU

QUERY_VECTORS = 4096  # query vectors kept per worker: one row of encoder.DIMENSIONS floats each
_NO_ROWS = np.zeros(0, dtype=np.int64)


@dataclass
class SectionVectors:
    """One version's vectors: a matrix of unit rows, and which rows are each article's."""

    matrix: encoder.Vectors
    articles: list[str]  # the article of each row
    anchors: list[str]  # the section of each row ("" for the article's card)
    rows_of: dict[str, npt.NDArray[np.int64]]

    @cached_property
    def products(self) -> encoder.RowProducts:
        """The rows' products with a question, in 8-bit integers: made on first use (0.06 s on
        10,000 sections, with an onnxruntime session), so a version opened by a process that does
        not search it by meaning (KB_SEMANTIC=off, tools) never makes it. A serving worker makes
        it as it readies the version (Engine.prepare), before the version's first question."""
        return encoder.RowProducts(self.matrix)

    @classmethod
    def load(cls, version: Path) -> SectionVectors | None:
        """The version's vectors, or None when it was built without them."""
        found = vectors.read(version)
        if found is None:
            return None
        rows, matrix = found
        by_article: dict[str, list[int]] = {}
        for i, (article, _, _) in enumerate(rows):
            by_article.setdefault(article, []).append(i)
        return cls(
            matrix=matrix,
            articles=[a for a, _, _ in rows],
            anchors=[s for _, s, _ in rows],
            rows_of={a: np.asarray(r, dtype=np.int64) for a, r in by_article.items()},
        )

    def cosines(self, query: encoder.Vectors, articles: list[str]) -> list[tuple[float, str]]:
        """Each article's cosine to the query (its best row, the first of equals) and the anchor
        of that row; (0.0, the card's anchor) for an article without rows. One product over all
        the articles' rows: a product per article costs more in calls than in arithmetic."""
        groups = [self.rows_of.get(article, _NO_ROWS) for article in articles]
        sizes = np.fromiter(map(len, groups), dtype=np.int64, count=len(groups))
        if not sizes.sum():
            return [(0.0, vectors.CARD)] * len(articles)
        rows = np.concatenate(groups)
        sims = self.matrix[rows] @ query
        owner = np.repeat(np.arange(len(groups)), sizes)
        # Grouped by article, best first within each, equals in row order: each group's first.
        order = np.lexsort((-sims, owner))
        firsts = iter(order[(np.cumsum(sizes) - sizes)[sizes > 0]].tolist())
        out: list[tuple[float, str]] = []
        for size in sizes.tolist():
            if size:
                at = next(firsts)
                out.append((float(sims[at]), self.anchors[int(rows[at])]))
            else:
                out.append((0.0, vectors.CARD))
        return out

    def nearest(self, query: encoder.Vectors, k: int) -> list[str]:
        """The k articles closest in meaning to the query, closest first: the best of k * 4 rows.

        The rows are chosen among the best k * 8 by the 8-bit products, then ordered by their
        float32 cosines; an approximate product is off by a few thousandths, far less than the
        lead of a row ranked in the first half of those over the second."""
        approx = self.products(query)
        take = min(len(approx), k * 8)
        if not take:
            return []
        # Every row at least the take-th best (equals at the cut all kept), in row order: a
        # partition of the values and a comparison cost half an argpartition.
        cut = np.partition(approx, len(approx) - take)[len(approx) - take]
        top = np.flatnonzero(approx >= cut)
        exact = self.matrix[top] @ query
        found: list[str] = []
        for i in top[np.argsort(-exact, kind="stable")][: k * 4].tolist():
            if self.articles[i] not in found:
                found.append(self.articles[i])
                if len(found) == k:
                    break
        return found


class QueryEncoder:
    """Questions to vectors, the process's encoder shared, recent ones remembered. With a
    `vector_cache` folder (indexer.vector_cache), questions embedded in batches (`remember`: a
    build's practice questions) are read from it and stored in it."""

    def __init__(self, size: int = QUERY_VECTORS, vector_cache: Path | None = None) -> None:
        self._cache: LRU[str, encoder.Vectors] = LRU(size)
        self._vector_cache = vector_cache

    def __call__(self, text: str) -> encoder.Vectors:
        key = _key(text)
        found = self._cache.get(key)
        if found is None:
            found = encoder.shared_encoder().embed([key])[0]
            self._cache.put(key, found)
        return found

    def remember(self, texts: Iterable[str]) -> None:
        """Embed the questions not remembered yet, and remember them: with a vector cache, questions
        a build asks again (practice questions) are read from it instead of embedded."""
        keys = list(dict.fromkeys(k for k in map(_key, texts) if k and self._cache.get(k) is None))
        if keys:
            found = vector_cache.through(self._vector_cache, encoder.shared_encoder().embed)(keys)
            for key, vector in zip(keys, found, strict=True):
                self._cache.put(key, vector)


# Emoji (with their modifiers, joiners and variation selectors) and other pictographs: the model's
# vocabulary has none of them, so each is an unknown token that pulls a question's vector away from
# its words ("refund 😡😡"). The words path does not search them either.
_PICTOGRAPHS = frozenset(("So", "Sk", "Cf", "Cs", "Co"))


def _key(text: str) -> str:
    """A question as it is embedded and remembered: lower case, its pictographs left out, single
    spaces."""
    kept = text.lower()
    if not kept.isascii():
        kept = "".join(
            " " if unicodedata.category(ch) in _PICTOGRAPHS or "\ufe00" <= ch <= "\ufe0f" else ch
            for ch in kept
        )
    return " ".join(kept.split())
