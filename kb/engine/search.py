"""Ranked answers for a question: one answer per article, a snippet, a confidence, a channel.

Per query: analyze the words (kb.engine.query), score every section chunk with Whoosh's BM25F over its
postings held in memory (kb.engine.scoring), group the hits by article (the best section first, other
matching sections under it), compute each answer's signals and confidence (kb.engine.confidence), and pick
the contact channel (kb.engine.channels).
"""

from __future__ import annotations

import functools
import itertools
import math
import pickle
import struct
import sys
import zlib
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
from whoosh.reading import CorruptIndexError

from indexer.article import Section
from indexer.schema import words
from indexer.vectors import CARD
from kb.engine import blend as blending
from kb.engine import scoring, vocabulary
from kb.engine.cache import LRU, RESULTS
from kb.engine.common_words import DEFAULT_LANGUAGE, Lexicon
from kb.engine.confidence import Model
from kb.engine.pleasantries import without_asides
from kb.engine.query import AnalyzedQuery, analyze
from kb.engine.semantic import QueryEncoder
from kb.engine.snapshot import Snapshot, SnapshotHolder
from kb.engine.snippet import snippet
from kb.errors import BadParameterError, EmptyQueryError, IndexCorruptError, QueryTooLongError

# What reading damaged index files raises (found by fuzzing segment files): a 503, never a 500.
UNREADABLE = (
    CorruptIndexError,
    zlib.error,
    struct.error,
    EOFError,
    pickle.UnpicklingError,
    KeyError,
)
CANDIDATES = 60  # section hits looked at before grouping by article
STRONG_FIELDS = frozenset({"title", "headings", "questions", "summary"})
RERANK = 5  # leading articles re-ordered by the confidence model's judgement
_CONTROL = {c: " " for c in range(32) if c not in (9, 10, 13)} | {0x7F: " "}


@functools.lru_cache(maxsize=16384)
def title_stems(title: str) -> tuple[str, ...]:
    """A title's words as the index has them (stop words left out), for comparing titles."""
    return tuple(filter(None, map(vocabulary.stem, words(title))))


class _Meaning(NamedTuple):
    """What the semantic path adds to a search's words: the snapshot searched, each leading
    article's cosine (raw, and on the content's scale), and the stems the question searched."""

    snap: Snapshot
    cosines: dict[str, tuple[float, float]]
    asked: Collection[str]


@dataclass
class SearchRequest:
    q: str
    limit: int = 5
    filters: dict[str, str] = field(default_factory=dict)
    internal: bool = False  # the caller holds an agent key: internal articles are searchable
    explain: bool = False


@dataclass
class Hit:
    """One matching section chunk."""

    anchor: str
    score: float


@dataclass
class Candidate:
    article: str
    score: float
    hits: list[Hit]
    matched: set[int] = field(default_factory=set)
    strong: set[int] = field(default_factory=set)
    exact: set[int] = field(default_factory=set)
    signals: dict[str, float] = field(default_factory=dict)
    confidence: float = 0.0


def _heading(sections: dict[str, Section], anchor: str, title: str) -> str:
    """A section's heading path ("Title › Section"), interned: headings and links are the same few
    strings in answer after answer, and the result cache keeps thousands of answers (copies made
    afresh for each answer would be a large share of a cached result's memory)."""
    section = sections.get(anchor)
    return sys.intern(section.heading_path) if section else title


def clean_query(text: str, max_chars: int) -> str:
    """The query as searched: control characters blanked, whitespace folded; raises on bad input."""
    if len(text) > max_chars:
        raise QueryTooLongError(f"query is longer than {max_chars} characters")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate (JSON "\\ud800"): not text, cannot be echoed
            raise BadParameterError("query is not valid Unicode text") from None
    cleaned = " ".join(text.translate(_CONTROL).split())
    if not cleaned:
        raise EmptyQueryError("query is empty")
    return cleaned


class ResultCache(LRU[tuple[Any, ...], dict[str, Any]]):
    """A bounded LRU of search results; keys include the index version, so a reindex invalidates."""


def demote_stubs(snap: Snapshot, candidates: list[Candidate]) -> None:
    """Put each stub (indexer.article.Article.stub) right behind the last real article ranked
    below it that matched every word it matched, and keep confidence falling down the list: a
    near-empty or link-only page is found, but never preferred to an article that answers with
    the same words."""
    stubs = [c for c in candidates if snap.articles[c.article].stub]
    if not stubs or len(stubs) == len(candidates):
        return
    for stub in stubs:
        at = candidates.index(stub)
        behind = [
            i
            for i in range(at + 1, len(candidates))
            if not snap.articles[candidates[i].article].stub
            and candidates[i].matched >= stub.matched
        ]
        if behind:
            candidates.insert(behind[-1], candidates.pop(at))
    for above, below in itertools.pairwise(candidates):
        below.confidence = min(below.confidence, above.confidence)


class TwoLevelResultCache:
    """The result cache in two levels, each a ResultCache of the same size.

    `by_text` is keyed by the query as typed (case-folded): a repeat costs a lookup. `by_meaning` is
    keyed by what the analysis made of the query (`AnalyzedQuery.meaning`): a fresh misspelling of
    a question asked before ("paymnet declined", "paymetn declined"), or the same words with other
    stop words, case or punctuation, costs the analysis and a lookup, not a search. Misspellings
    are a steady share of questions and almost never repeat, so without this level each would be a
    full search. For the same reason a query that needed a correction is kept in `by_text` only
    when it comes back soon: while it is among the last size/8 corrected queries (`seen`, keys
    only). A popular misspelling ("paymnet declinde" in the shipped help center's benchmark log) is
    then kept at its second sighting; the one-off ones are not, so they cannot push out questions
    that do come back. docs/performance.md has the replays behind the window's size.
    """

    def __init__(self, size: int) -> None:
        self.by_text = ResultCache(size)
        self.by_meaning = ResultCache(size)
        self.seen: LRU[tuple[Any, ...], bool] = LRU(size // 8)

    @property
    def size(self) -> int:
        return self.by_text.size

    @size.setter
    def size(self, value: int) -> None:
        self.by_text.size = self.by_meaning.size = value
        self.seen.size = value // 8

    @property
    def hits(self) -> int:
        """Searches answered from either level."""
        return self.by_text.hits + self.by_meaning.hits

    @property
    def misses(self) -> int:
        """Searches neither level answered (computed)."""
        return self.by_meaning.misses

    def keep(self, key: tuple[Any, ...], body: dict[str, Any]) -> None:
        """Keep a search's body by its text: at once, or, for a corrected typo, once it is back."""
        if body["did_you_mean"] is not None and self.seen.get(key) is None:
            self.seen.put(key, True)
            return
        self.by_text.put(key, body)


class SearchEngine:
    """Answers questions against the live snapshot."""

    def __init__(
        self,
        holder: SnapshotHolder,
        model: Model,
        *,
        max_query_chars: int = 500,
        max_limit: int = 50,
        article_url: str = "/articles/{id}#{anchor}",
        filterable: list[str] | None = None,
        thresholds: Any = None,
        cache_size: int = RESULTS,
        lexicon: Lexicon | None = None,
        semantic: bool = True,
        blend: blending.Blend | None = None,
        vector_cache: Path | None = None,
    ) -> None:
        self.holder = holder
        # The service passes the one KB_TYPO_LANGUAGE names; tools and benchmarks get its default.
        self.lexicon = lexicon if lexicon is not None else Lexicon.load(DEFAULT_LANGUAGE)
        self.model = model
        self.max_query_chars = max_query_chars
        self.max_limit = max_limit
        self.article_url = article_url
        self.filterable = filterable or ["topic"]
        self.thresholds = thresholds  # callable topic -> threshold
        self.cache = TwoLevelResultCache(cache_size)
        # Meaning as well as words where the version has vectors and the extra is installed.
        self.semantic = semantic
        self.blend = blend if blend is not None else blending.Blend.load()
        # vector_cache: where the questions a confidence fit embeds in batches are shared
        self.query_vectors = QueryEncoder(vector_cache=vector_cache)

    def mode(self, snap: Snapshot) -> str:
        """Which path answers on `snap`: "semantic" (words and meaning) or "words"."""
        return "semantic" if self.semantic and snap.semantic is not None else "words"

    def threshold(self, topic: str | None) -> float:
        return float(self.thresholds(topic)) if self.thresholds else 0.5

    def url(self, article_id: str, anchor: str) -> str:
        """A section's link, interned (see _heading)."""
        return sys.intern(self.article_url.format(id=article_id, anchor=anchor))

    def search(self, req: SearchRequest, max_chars: int | None = None) -> dict[str, Any]:
        """The response body of /search (without `took_ms`; channel chosen per call, not cached)."""
        text = clean_query(req.q, max_chars or self.max_query_chars)
        if not 1 <= req.limit <= self.max_limit:
            raise BadParameterError(f"limit must be between 1 and {self.max_limit}")
        for name in req.filters:
            if name not in self.filterable:
                raise BadParameterError(
                    f"cannot filter on {name!r}; filterable fields: {', '.join(self.filterable)}"
                )
        snap = self.holder.get()
        scope = (snap.version, req.limit, tuple(sorted(req.filters.items())), req.internal)
        key = (text.lower(), *scope)
        cached = None if req.explain else self.cache.by_text.get(key)
        if cached is None:
            try:
                cached = self._search(snap, text, req, scope)
            except UNREADABLE as exc:
                self.holder.broken(snap, f"{type(exc).__name__}: {exc}")
                raise IndexCorruptError(f"index version {snap.version} cannot be read") from exc
            if not req.explain:
                self.cache.keep(key, cached)
        body = dict(cached)
        body["query"] = text  # the cache key is case-folded; echo what this caller sent
        top = snap.articles.get(body["answers"][0]["article"]) if body["answers"] else None
        confident = not body["fallback"]
        choice = snap.channels.choose(
            text,
            top.channel if top and (confident or body["confidence"] >= 0.25) else None,
            top.topic if top and (confident or body["confidence"] >= 0.25) else None,
        )
        body["channel"] = choice.to_json()
        body["index_version"] = snap.version
        return body

    def _search(
        self, snap: Snapshot, text: str, req: SearchRequest, scope: tuple[Any, ...]
    ) -> dict[str, Any]:
        # "no rush, …" chooses the channel, not the answer, and "Hi team, … Best regards, Maria"
        # or an order number or email address says nothing of either: none is searched (unless it
        # is all there is), so it can neither match an article nor count as a word left unmatched.
        topical = without_asides(snap.channels.without_relaxed_wording(text))
        aq = analyze(topical, snap.vocabulary, snap.synonyms, self.lexicon)
        if not aq.concepts and topical != text:
            aq = analyze(text, snap.vocabulary, snap.synonyms, self.lexicon)
        aq.searched, aq.text = (aq.text if aq.text != text else None), text
        # A request for a channel and nothing else is answered by that channel's pages alone, and
        # they may rank below the limit among the request's words: it is ranked to the largest one.
        requested = snap.channels.requested(text)
        alone = bool(requested) and not self._asks_about(snap, topical)
        wanted = replace(req, limit=self.max_limit) if alone else req
        key = (aq.meaning(), *scope, alone)
        ranked = None if req.explain else self.cache.by_meaning.get(key)
        if ranked is None:
            ranked = self._rank(snap, aq, wanted)
            if not req.explain:
                self.cache.by_meaning.put(key, ranked)
        if alone and requested:
            ranked = self._handing_over(snap, ranked, requested, req.limit)
        # The answers are the meaning's; the words as typed are this query's.
        return {"query": text, "did_you_mean": aq.did_you_mean, **ranked}

    def _asks_about(self, snap: Snapshot, topical: str) -> bool:
        """Whether a question that asks for a channel asks about anything besides."""
        rest = snap.channels.without_requests(topical)
        return bool(analyze(rest, snap.vocabulary, snap.synonyms, self.lexicon).concepts)

    def _handing_over(
        self, snap: Snapshot, ranked: dict[str, Any], channel: str, limit: int
    ) -> dict[str, Any]:
        """The answers to a request for a channel and nothing else ("can you call me", "email
        support"): only articles that hand over to that channel answer it. Another article that
        shares the request's words ("Calling a shortcode") is no answer whatever its confidence;
        with none left, kb hands over to the channel asked for."""
        kept = [a for a in ranked["answers"] if snap.articles[a["article"]].channel == channel]
        topics = Counter(snap.articles[a["article"]].topic for a in kept)
        total, kept = len(kept), kept[:limit]
        confidence = kept[0]["confidence"] if kept else 0.0
        return {
            **ranked,
            "answers": kept,
            "confidence": confidence,
            "fallback": confidence < self.threshold(kept[0]["topic"] if kept else None),
            "facets": {"topic": dict(topics.most_common())},
            "total": total,
        }

    def _rank(self, snap: Snapshot, aq: AnalyzedQuery, req: SearchRequest) -> dict[str, Any]:
        """Answers, confidence and fallback for an analyzed query: a function of its meaning."""
        clauses = aq.clauses()
        candidates: list[Candidate] = []
        facets: Counter[str] = Counter()
        owners = aq.stem_owners()  # which concepts each searched stem stands for
        if clauses:
            scored = scoring.score(snap.impacts, clauses, STRONG_FIELDS)
            docs = self._top(scored.scores, self._allowed(snap, req), snap.impacts.order)
            candidates = self._group(snap, docs, scored, aq, owners)
        cosines = None
        # A question with no word to search ("hello", "thanks", "?": stop words alone) is no
        # question to either path: by meaning alone its closest article would be answered with
        # whatever confidence a version's model gives a short question (0.94 on one help center).
        if self.mode(snap) == "semantic" and aq.concepts:
            low, high = snap.cosine_scale
            cosines = {
                article: (cosine, (cosine - low) / (high - low))
                for article, cosine in self._meaning(snap, aq, req, candidates).items()
            }
        for c in candidates:
            facets[snap.articles[c.article].topic] += 1
        model = snap.confidence.get(self.mode(snap), self.model)
        meaning = _Meaning(snap, cosines, owners.keys()) if cosines is not None else None
        self._score(candidates, aq, self._weights(snap, aq), req.limit, model, meaning)
        demote_stubs(snap, candidates)
        best = candidates[0] if candidates else None
        confidence = best.confidence if best else 0.0
        topic = snap.articles[best.article].topic if best else None
        fallback = confidence < self.threshold(topic)
        stems = tuple(sorted(owners))  # what the snippets mark, once for all answers
        answers = [self._answer(snap, c, stems, req.explain) for c in candidates[: req.limit]]
        body: dict[str, Any] = {
            "answers": answers,
            "confidence": round(confidence, 4),
            "fallback": fallback,
            "facets": {"topic": dict(facets.most_common())},
            "total": len(candidates),
        }
        if req.explain:
            body["explain"] = {
                "concepts": [
                    {
                        "word": c.word,
                        "stem": c.stem,
                        "known": c.known,
                        "correction": c.correction,
                    }
                    for c in aq.concepts
                ],
                "synonyms": [" ".join(e.stems) for e in aq.expansions],
                "threshold": self.threshold(topic),
                "query": " + ".join(
                    "max("
                    + ", ".join(f"{' '.join(leaf.stems)}^{leaf.weight}" for leaf in c.leaves)
                    + ")"
                    for c in clauses
                ),
            }
        return body

    def _meaning(
        self, snap: Snapshot, aq: AnalyzedQuery, req: SearchRequest, candidates: list[Candidate]
    ) -> dict[str, float]:
        """Each leading answer's cosine to the question as corrected, after the articles closest in
        meaning are put behind the leading answers by words: moved up when words ranked them
        lower, added when words missed them (unfiltered searches only: a filter is a property of
        chunks, known to the words' path)."""
        vectors = snap.semantic
        assert vectors is not None
        query = self.query_vectors(aq.meant)
        place = {c.article: i for i, c in enumerate(candidates)}
        lower: list[int] = []
        extra: list[Candidate] = []
        for article_id in vectors.nearest(query, blending.NEAREST):
            at = place.get(article_id)
            if at is not None:
                if at >= blending.DEPTH:
                    lower.append(at)
                continue
            article = snap.articles.get(article_id)
            if req.filters or article is None or not article.sections:
                continue
            if article.audience == "internal" and not req.internal:
                continue
            extra.append(Candidate(article=article_id, score=0.0, hits=[]))
        moved = [candidates[i] for i in sorted(lower)]
        for i in sorted(lower, reverse=True):
            del candidates[i]
        candidates[blending.DEPTH : blending.DEPTH] = moved + extra
        head = candidates[: blending.DEPTH + blending.NEAREST]
        found = vectors.cosines(query, [c.article for c in head])
        for c, (_, anchor) in zip(head, found, strict=True):
            if not c.hits:  # found by meaning alone: land on its closest section
                sections = snap.articles[c.article].sections
                c.hits.append(Hit(anchor if anchor != CARD else sections[0].anchor, 0.0))
        return {c.article: cosine for c, (cosine, _) in zip(head, found, strict=True)}

    @staticmethod
    def _allowed(snap: Snapshot, req: SearchRequest) -> scoring.Mask:
        """The chunks this request may see: live ones, public unless internal, within filters."""
        index = snap.impacts
        allowed = index.alive
        if not req.internal:
            allowed = allowed & ~index.term_mask("audience", "internal")
        for key, value in req.filters.items():
            if key == "topic":
                allowed = allowed & index.term_mask("topic", value.lower())
            else:
                allowed = allowed & index.term_mask("facets", f"{key}={value}".lower())
        return allowed

    @staticmethod
    def _top(
        scores: scoring.Floats, allowed: scoring.Mask, order: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.int64]:
        """The best CANDIDATES chunks that score at all, best first; ties go to the chunk a full
        build writes first (`order`), wherever an incremental build put it."""
        docs = np.flatnonzero((scores > 0) & allowed)
        found = scores[docs]
        if len(docs) > CANDIDATES:
            # Every chunk scoring at least the CANDIDATES-th best: ties at the cut are all kept,
            # for the order to choose among them.
            cut = np.partition(found, len(docs) - CANDIDATES)[len(docs) - CANDIDATES]
            kept = found >= cut
            docs, found = docs[kept], found[kept]
        return docs[np.lexsort((order[docs], -found))][:CANDIDATES]

    @staticmethod
    def _group(
        snap: Snapshot,
        docs: npt.NDArray[np.int64],
        scored: scoring.Scored,
        aq: AnalyzedQuery,
        owners: dict[str, set[int]],
    ) -> list[Candidate]:
        typed = aq.typed_stems()
        # Per query stem: which of the top chunks contain it (anywhere / in a strong field), as
        # Python lists (reading numpy arrays one element at a time is the slow way).
        present = {s: m[docs].tolist() for s, m in scored.present.items() if s in owners}
        strong = {s: scored.strong[s][docs].tolist() for s in present}
        exact = {
            s: {i for i in owners[s] if aq.concepts[i].stem == s} for s in present if s in typed
        }
        stored = snap.impacts.stored
        scores = scored.scores[docs].tolist()
        by_article: dict[str, Candidate] = {}
        for row, doc in enumerate(docs.tolist()):
            found = stored[doc]
            hit = Hit(found["anchor"], scores[row])
            art = found["article"]
            cand = by_article.get(art)
            if cand is None:
                cand = by_article[art] = Candidate(article=art, score=hit.score, hits=[])
            cand.hits.append(hit)
            for stem, where in present.items():
                if not where[row]:
                    continue
                idx = owners[stem]
                cand.matched |= idx
                if strong[stem][row]:
                    cand.strong |= idx
                if stem in exact:
                    cand.exact |= exact[stem]
        return sorted(by_article.values(), key=lambda c: -c.score)

    @staticmethod
    def _weights(snap: Snapshot, aq: AnalyzedQuery) -> list[float]:
        """How much each concept says (its IDF); a word the content never uses counts as the rarest
        there is, scaled by how specific it is in the language ("battery" fully, "ago" little)."""
        rarest = math.log(snap.chunks + 1) + 1.0
        weights = []
        for c in aq.concepts:
            term = c.stem if c.known else c.correction_stem
            weights.append(snap.impacts.idf("body", term) if term else rarest * c.specificity)
        return weights

    def _score(
        self,
        candidates: list[Candidate],
        aq: AnalyzedQuery,
        weights: list[float],
        shown: int,
        model: Model,
        meaning: _Meaning | None = None,
    ) -> None:
        """Signals and confidence of the leading candidates (those re-ordered, or shown); on the
        semantic path (`meaning`) re-ranked by the blend."""
        covered_by_synonym = {i for e in aq.expansions for i in e.concepts}
        unmatched = [
            c for i, c in enumerate(aq.concepts) if not c.searchable and i not in covered_by_synonym
        ]
        unknown = len(unmatched)
        # How many words the question has, a word the content never uses counted by how specific
        # it is: the "ago", "weeks" and "gave" of a long message do not dilute its coverage.
        n = (len(aq.concepts) - unknown + sum(c.specificity for c in unmatched)) or 1.0
        total_weight = sum(weights) or 1.0
        top = candidates[0].score if candidates and candidates[0].score > 0 else 0.0
        heaviest = max(weights, default=0.0) or 1.0
        depth = len(meaning.cosines) if meaning is not None else RERANK
        leading = candidates[: max(depth, shown)]
        for c in leading:
            missed = [w for i, w in enumerate(weights) if i not in c.matched]
            c.signals = {
                "coverage": len(c.matched) / n,
                "weighted_coverage": sum(weights[i] for i in c.matched) / total_weight,
                "matched": math.log1p(len(c.matched)),
                "strong_coverage": len(c.strong) / n,
                "exact": len(c.exact) / n,
                "unknown": unknown / n,
                "score": math.log1p(c.score / n),
                "margin": 0.0,
                "short": 1.0 / n,
                "relative": c.score / top if top else 0.0,
                "rare_missed": max(missed, default=0.0) / heaviest * min(1.0, 4.0 / n),
            }
        # The margin is the lead in BM25F score over the next article in BM25F order. No answer is
        # more likely right than one BM25F scored above it: an answer the model moved up is only as
        # sure as the one it passed. The blend sets the confidence of the `depth` it re-ranks
        # afresh, so this one is needed there only when more are shown.
        ceiling = 1.0
        judged = meaning is None or len(leading) > depth
        for rank, c in enumerate(leading):
            nxt = candidates[rank + 1].score if rank + 1 < len(candidates) else 0.0
            c.signals["margin"] = max(0.0, (c.score - nxt) / c.score) if c.score > 0 else 0.0
            if judged:
                c.confidence = ceiling = min(model.probability(c.signals), ceiling)
        if meaning is not None:
            self._blend(candidates, depth, meaning, model)
            return
        # The leading articles are put in the order of how well they answer (the ranking model),
        # judged on their signals (how much of the question each covers, where, as typed, and its
        # BM25F score relative to the best) but not their order: BM25F alone can put an article
        # that matches every word through a synonym above one that has them all.
        head = sorted(candidates[:RERANK], key=lambda c: -model.rank_logit(c.signals))
        candidates[:RERANK] = head
        # A lower-ranked answer is never more likely right than the one above it.
        ceiling = 1.0
        for c in candidates[: len(leading)]:
            c.confidence = ceiling = min(c.confidence, ceiling)

    def _blend(
        self,
        candidates: list[Candidate],
        depth: int,
        meaning: _Meaning,
        model: Model,
    ) -> None:
        """Re-rank the leading `depth` candidates by the fitted blend of words and meaning; the
        cosine and its lead over the next answer's become confidence signals."""
        snap, cosines = meaning.snap, meaning.cosines
        head = candidates[:depth]
        kb = [model.rank_logit(c.signals) for c in head]
        feats = blending.features(
            kb,
            [cosines.get(c.article, (0.0, 0.0))[0] for c in head],
            [c.signals for c in head],
            [title_stems(snap.articles[c.article].title) for c in head],
            meaning.asked,
        )
        for c, f in zip(head, feats, strict=True):
            c.signals.update(f)
            # the cosine on the content's own scale (kb.engine.practice): a confidence signal
            c.signals["cosine_scaled"] = cosines.get(c.article, (0.0, 0.0))[1]
            c.signals["blend"] = self.blend.score(f)
        head.sort(key=lambda c: -c.signals["blend"])
        candidates[:depth] = head
        # Each answer's cosine less the best of the others': the best's is the second best.
        best, second = [*sorted((c.signals["cosine"] for c in head), reverse=True), 0.0, 0.0][:2]
        for c in head:
            cosine = c.signals["cosine"]
            c.signals["cosine_margin"] = cosine - (second if cosine == best else best)
        ceiling = 1.0
        for c in candidates[: max(depth, len(head))]:
            if c.signals:
                c.confidence = ceiling = min(model.probability(c.signals), ceiling)

    def _answer(
        self, snap: Snapshot, c: Candidate, stems: tuple[str, ...], explain: bool
    ) -> dict[str, Any]:
        article = snap.articles[c.article]
        best = c.hits[0]
        sections = {s.anchor: s for s in article.sections}
        section = sections.get(best.anchor)
        answer: dict[str, Any] = {
            "article": article.id,
            "section": best.anchor,
            "title": article.title,
            "heading": _heading(sections, best.anchor, article.title),
            "snippet": snippet(section.text if section else "", stems),
            "url": self.url(article.id, best.anchor),
            "score": round(c.score, 4),
            "confidence": round(c.confidence, 4),
            "topic": article.topic,
            "more": [
                {
                    "section": h.anchor,
                    "heading": _heading(sections, h.anchor, article.title),
                    "url": self.url(article.id, h.anchor),
                }
                for h in c.hits[1:4]
            ],
        }
        answer["signals"] = {k: round(v, 4) for k, v in c.signals.items()} if explain else None
        return answer
