"""From what a person typed to a Whoosh query: words, typo corrections and synonyms.

The text is never parsed as Whoosh query syntax: quotes, colons, `*`, `?`, `~`, `^`, AND/OR/NOT and
brackets are just characters, so they can neither raise nor trigger a wildcard or fuzzy expansion.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from whoosh import query as wq

from kb.schema import FIELD_BOOSTS, TEXT_FIELDS, words
from kb.vocabulary import Synonyms, Vocabulary, stem

TYPED_WEIGHT = 1.0
CORRECTION_WEIGHT = 0.75
SYNONYM_WEIGHT = 0.6
MAX_CONCEPTS = 24  # a ticket-length message keeps its rarest words


@dataclass
class Concept:
    """One meaningful word the person typed, and what it is searched as."""

    word: str
    stem: str
    known: bool
    correction: str | None = None
    correction_stem: str | None = None

    @property
    def searchable(self) -> bool:
        return self.known or self.correction is not None


@dataclass
class Expansion:
    """A synonym searched in place of the concepts [start, end)."""

    start: int
    end: int
    stems: tuple[str, ...]


@dataclass
class AnalyzedQuery:
    text: str
    concepts: list[Concept]
    expansions: list[Expansion] = field(default_factory=list)

    @property
    def did_you_mean(self) -> str | None:
        """The query with its corrections applied, when a correction changed it."""
        if not any(c.correction for c in self.concepts):
            return None
        fixed = {c.word: c.correction for c in self.concepts if c.correction}
        return " ".join(fixed.get(w, w) for w in words(self.text))

    def stem_owners(self) -> dict[str, set[int]]:
        """Which concepts each searched stem stands for (for coverage)."""
        owners: dict[str, set[int]] = {}
        for i, c in enumerate(self.concepts):
            if c.known:
                owners.setdefault(c.stem, set()).add(i)
            if c.correction_stem:
                owners.setdefault(c.correction_stem, set()).add(i)
        for e in self.expansions:
            for s in e.stems:
                owners.setdefault(s, set()).update(range(e.start, e.end))
        return owners

    def typed_stems(self) -> set[str]:
        return {c.stem for c in self.concepts if c.known}

    def to_whoosh(self) -> wq.Query | None:
        clauses: list[wq.Query] = []
        for c in self.concepts:
            alts: list[wq.Query] = []
            if c.known:
                alts.extend(_fields_term(c.stem, TYPED_WEIGHT))
            if c.correction_stem and c.correction_stem != c.stem:
                alts.extend(_fields_term(c.correction_stem, CORRECTION_WEIGHT))
            clauses.extend(alts)
        for e in self.expansions:
            clauses.extend(_fields_phrase(e.stems, SYNONYM_WEIGHT))
        return wq.Or(clauses) if clauses else None


def _fields_term(text: str, weight: float) -> list[wq.Query]:
    return [wq.Term(f, text, boost=weight) for f in TEXT_FIELDS]


def _fields_phrase(stems: tuple[str, ...], weight: float) -> list[wq.Query]:
    if len(stems) == 1:
        return _fields_term(stems[0], weight)
    return [wq.Phrase(f, list(stems), boost=weight) for f in TEXT_FIELDS if FIELD_BOOSTS[f]]


def analyze(text: str, vocabulary: Vocabulary, synonyms: Synonyms) -> AnalyzedQuery:
    """The concepts of a query, with corrections for unknown words and synonym expansions."""
    concepts: list[Concept] = []
    seen: set[str] = set()
    for w in words(text):
        s = stem(w)
        if not s or s in seen:
            continue
        seen.add(s)
        known = vocabulary.knows(w)
        concept = Concept(word=w, stem=s, known=known)
        if not known:
            fix = vocabulary.correct(w)
            if fix is not None:
                concept.correction, concept.correction_stem = fix, stem(fix) or fix
        concepts.append(concept)
    if len(concepts) > MAX_CONCEPTS:
        # Keep the rarest known words (they carry a long message) and drop the rest.
        ranked = sorted(concepts, key=lambda c: (not c.searchable, vocabulary.frequency(c.word)))
        keep = {id(c) for c in ranked[:MAX_CONCEPTS]}
        concepts = [c for c in concepts if id(c) in keep]
    aq = AnalyzedQuery(text=text, concepts=concepts)
    effective = [c.correction_stem or c.stem for c in concepts]
    for start, end, other in synonyms.expansions(effective):
        if all(vocabulary_has_stem(vocabulary, s) for s in other):
            aq.expansions.append(Expansion(start, end, other))
    return aq


def vocabulary_has_stem(vocabulary: Vocabulary, s: str) -> bool:
    return s in vocabulary.stems
