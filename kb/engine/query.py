"""From what a person typed to the clauses kb scores: words, typo corrections and synonyms.

The text is never parsed as query syntax: quotes, colons, `*`, `?`, `~`, `^`, AND/OR/NOT and
brackets are just characters, so they can neither raise nor trigger a wildcard or fuzzy expansion.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from indexer.schema import WORD_RE, plain_word, words
from kb.engine.common_words import Lexicon
from kb.engine.scoring import Clause, Leaf
from kb.engine.vocabulary import Synonyms, Vocabulary, match_key, stem

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
    # How much the word tells about the topic when the content does not know it (kb.engine.common_words).
    specificity: float = 1.0

    @property
    def searchable(self) -> bool:
        return self.known or self.correction is not None


@dataclass
class Expansion:
    """A synonym searched in place of some of the concepts."""

    concepts: frozenset[int]
    stems: tuple[str, ...]


@dataclass
class AnalyzedQuery:
    text: str
    concepts: list[Concept]
    expansions: list[Expansion] = field(default_factory=list)

    @property
    def did_you_mean(self) -> str | None:
        """The query with its corrections applied, when a correction changed it."""
        fixed = {c.word: c.correction for c in self.concepts if c.correction}
        if not fixed:
            return None
        # Only the corrected words change: the rest (case, punctuation, "hasnt") stays as typed.
        return WORD_RE.sub(lambda m: fixed.get(plain_word(m.group()), m.group()), self.text)

    def meaning(self) -> tuple[Any, ...]:
        """All that ranking, confidence and snippets take from the analysis: each concept's stem if
        the content knows it, its correction's stem and its specificity, and the synonyms. Not the
        words as typed, their case, the stop words around them, nor an unknown word's own stem
        (only `did_you_mean` and `explain` read those): two texts with the same meaning get the
        same answers, so "paymnet declined" and "paymetn declined" are one search."""
        return (
            tuple(
                (c.stem if c.known else None, c.correction_stem, c.specificity)
                for c in self.concepts
            ),
            tuple((tuple(sorted(e.concepts)), e.stems) for e in self.expansions),
        )

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
                owners.setdefault(s, set()).update(e.concepts)
        return owners

    def typed_stems(self) -> set[str]:
        return {c.stem for c in self.concepts if c.known}

    def clauses(self) -> list[Clause]:
        """One clause per concept: the best of its typed form, correction and synonyms.

        Alternatives of one concept are combined by maximum, not sum, so a word with many synonyms
        cannot outweigh the others, and the typed form (weighted highest) wins a tie of strength.
        A synonym standing for several words (a phrase) is a clause of its own.
        """
        alternatives: list[list[Leaf]] = [[] for _ in self.concepts]
        for i, c in enumerate(self.concepts):
            if c.known:
                alternatives[i].append(Leaf((c.stem,), TYPED_WEIGHT))
            if c.correction_stem and c.correction_stem != c.stem:
                alternatives[i].append(Leaf((c.correction_stem,), CORRECTION_WEIGHT))
        clauses: list[Clause] = []
        for e in self.expansions:
            leaf = Leaf(e.stems, SYNONYM_WEIGHT)
            if len(e.concepts) == 1:
                alternatives[next(iter(e.concepts))].append(leaf)
            else:
                clauses.append(Clause([leaf]))
        clauses.extend(Clause(alts) for alts in alternatives if alts)
        return clauses


def correction(word: str, vocabulary: Vocabulary, lexicon: Lexicon) -> str | None:
    """The content word an unknown word was probably meant as; None for a word known to the content
    or common in the language (meant as typed, just not covered)."""
    if vocabulary.knows(word) or word in lexicon:
        return None
    return vocabulary.correct(word)


def analyze(
    text: str, vocabulary: Vocabulary, synonyms: Synonyms, lexicon: Lexicon | None = None
) -> AnalyzedQuery:
    """The concepts of a query, with corrections for unknown words and synonym expansions."""
    lexicon = lexicon or Lexicon.none()
    concepts: list[Concept] = []
    seen: dict[str, int] = {}
    keys: list[str] = []
    owner: list[int | None] = []  # the concept each word of the text stands for, if any
    for w in words(text):
        s = stem(w)
        keys.append(match_key(w))
        if not s or s in seen:
            owner.append(seen.get(s) if s else None)
            continue
        seen[s] = len(concepts)
        owner.append(len(concepts))
        known = vocabulary.knows(w)
        concept = Concept(word=w, stem=s, known=known)
        if not known:
            concept.specificity = lexicon.specificity(w)
            fix = correction(w, vocabulary, lexicon)
            if fix is not None:
                concept.correction, concept.correction_stem = fix, stem(fix) or fix
        concepts.append(concept)
    # Synonyms match the words as typed, or as corrected.
    for i, o in enumerate(owner):
        if o is not None and concepts[o].correction:
            keys[i] = match_key(concepts[o].correction or "")
    expansions: list[tuple[set[int], tuple[str, ...]]] = []
    for start, end, other in synonyms.expansions(keys):
        covered = {o for o in owner[start:end] if o is not None}
        if covered and all(s in vocabulary.stems for s in other):
            expansions.append((covered, other))
    if len(concepts) > MAX_CONCEPTS:
        # Keep the rarest known words (they carry a long message) and drop the rest.
        ranked = sorted(
            range(len(concepts)),
            key=lambda i: (not concepts[i].searchable, vocabulary.frequency(concepts[i].word)),
        )
        keep = sorted(ranked[:MAX_CONCEPTS])
        renumber = {old: new for new, old in enumerate(keep)}
        concepts = [concepts[i] for i in keep]
        expansions = [({renumber[i] for i in cov if i in renumber}, st) for cov, st in expansions]
    aq = AnalyzedQuery(text=text, concepts=concepts)
    aq.expansions = [Expansion(frozenset(cov), st) for cov, st in expansions if cov]
    return aq
