"""From what a person typed to the clauses kb scores: words, typo corrections and synonyms.

The text is never parsed as query syntax: quotes, colons, `*`, `?`, `~`, `^`, AND/OR/NOT and
brackets are just characters, so they can neither raise nor trigger a wildcard or fuzzy expansion.
"""

from __future__ import annotations

import itertools
import re
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
    # The part of `text` that was analysed, when wording that says nothing of the subject
    # (courtesy, "no rush") was left out; None when it is all of it.
    searched: str | None = None

    @property
    def did_you_mean(self) -> str | None:
        """The query with its corrections applied, when a correction changed it."""
        return self._corrected(self.text)

    @property
    def meant(self) -> str:
        """What the question asks, corrected: the text searched, as the meaning's side reads it."""
        text = self.text if self.searched is None else self.searched
        return self._corrected(text) or text

    def _corrected(self, text: str) -> str | None:
        fixed = {c.word: c.correction for c in self.concepts if c.correction}
        if not fixed:
            return None
        # Only the corrected words change: the rest (case, punctuation, "hasnt") stays as typed.
        return WORD_RE.sub(lambda m: fixed.get(plain_word(m.group()), m.group()), text)

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


# Characters that join a name's parts with no space ("old-corp", "node.js", "x_box").
_JOINERS = "-.‐_/+&@"
_SENTENCE_END = re.compile(r"(?:^|[.!?:;\n])[\s\"'“‘(\[]*$")


def names_in(text: str) -> set[str]:
    """The words of a text written the way names are: mixed case ("iCloud", "BitLocker"),
    capitalised away from a sentence's start ("my Icloud backup"; unless most of the text is
    capitalised), or joined to another word or a digit without a space ("old-corp", "win11").
    Words in capitals are emphasis ("where's my PARCLE"), not names. Lower-cased, as `words`
    gives them."""
    found = list(WORD_RE.finditer(text))
    capitalised = sum(1 for m in found if m.group()[:1].isupper())
    shouting = capitalised > len(found) / 2
    names: set[str] = set()
    for m in found:
        w = m.group()
        before = text[m.start() - 1] if m.start() else " "
        after = text[m.end()] if m.end() < len(text) else " "
        joined = (before in _JOINERS and m.start() > 1 and text[m.start() - 2].isalnum()) or (
            after in _JOINERS and m.end() + 1 < len(text) and text[m.end() + 1].isalnum()
        )
        mixed = any(a.islower() and b.isupper() for a, b in itertools.pairwise(w))
        capital = w[:1].isupper() and not w.isupper() and not shouting
        if capital and _SENTENCE_END.search(text[: m.start()]):
            capital = False
        if joined or mixed or capital or any(ch.isdigit() for ch in w):
            names.add(plain_word(w))
    return names


# One-letter prefixes brands put before a word ("iCloud", "eBay", "xBox").
_BRAND_PREFIXES = ("i", "e", "x")


def is_compound_name(word: str, fix: str, lexicon: Lexicon) -> bool:
    """Whether `word` is two words of the language run together ("bitlocker", "icloud") and `fix`
    keeps the longer of them and drops or changes the other ("blocker", "cloud"): a product's name,
    not a typo of the word it contains (a typo rarely splits into two real words that way:
    "cancell" → "cancel" keeps "can", the shorter)."""
    for i in range(1, len(word)):
        head, tail = word[:i], word[i:]
        if not all(p in lexicon and (len(p) > 1 or p in _BRAND_PREFIXES) for p in (head, tail)):
            continue
        longer, shorter = (tail, head) if len(tail) >= len(head) else (head, tail)
        if len(longer) > len(shorter) and len(longer) >= 4 and longer in fix and shorter not in fix:
            return True
    return False


def correction(
    word: str, vocabulary: Vocabulary, lexicon: Lexicon, name: bool = False
) -> str | None:
    """The content word an unknown word was probably meant as; None for a word known to the content
    or common in the language (meant as typed, just not covered), and for a name: a compound name
    (see `is_compound_name`), or a word written as a name (`name`, see `names_in`) whose nearest
    content word is a word of the language ("iCloud" is not a misspelt "cloud"; "Dropbux" may be
    a misspelt "Dropbox", a name the content uses)."""
    if vocabulary.knows(word) or word in lexicon:
        return None
    fix = vocabulary.correct(word)
    if fix is None or is_compound_name(word, fix, lexicon):
        return None
    # Without a lexicon, any content word may be a word of the language.
    if name and (fix in lexicon or not len(lexicon)):
        return None
    return fix


def analyze(
    text: str, vocabulary: Vocabulary, synonyms: Synonyms, lexicon: Lexicon | None = None
) -> AnalyzedQuery:
    """The concepts of a query, with corrections for unknown words and synonym expansions."""
    lexicon = lexicon or Lexicon.none()
    concepts: list[Concept] = []
    seen: dict[str, int] = {}
    keys: list[str] = []
    owner: list[int | None] = []  # the concept each word of the text stands for, if any
    names = names_in(text)
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
            fix = correction(w, vocabulary, lexicon, name=w in names)
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
