"""kb.engine.scoring scores as Whoosh's own searcher does (its mean field length aside), on real indexes,
and an index edited incrementally answers exactly as a full build of the same content."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from whoosh import query as wq

from indexer import build_index, layout
from indexer.schema import TEXT_FIELDS
from kb.engine import scoring
from kb.engine.confidence import Model
from kb.engine.search import SearchEngine, SearchRequest
from kb.engine.snapshot import Snapshot, SnapshotHolder

REPO = Path(__file__).resolve().parents[2]
QUERIES = [
    ["refund"],
    ["parcel", "deliveri"],
    ["account", "password", "reset"],
    ["charg", "twice"],
    ["cancel", "order", "not", "arriv"],
]


def _assert_matches_whoosh(snap: Snapshot) -> None:
    """Whoosh's BM25F (its scorer, stored term weights, encoded lengths and IDF) gives kb's scores
    once it is handed kb's mean field lengths: the mean of the chunks' encoded lengths, where
    Whoosh's own is of the exact ones (under 2% apart)."""
    index = snap.impacts
    reader = snap.searcher.reader()
    assert index.alive.all(), "a full build: Whoosh's statistics are then the live chunks'"
    for f in TEXT_FIELDS:
        # (None: a chunk without the field, as kb reads it: no length)
        encoded = [reader.doc_field_length(d, f, 0) or 0 for d in range(reader.doc_count_all())]
        assert index.avg_length[f] == pytest.approx(sum(encoded) / len(encoded), rel=1e-12)
        assert index.avg_length[f] == pytest.approx(snap.searcher.avg_field_length(f), rel=2e-2)
    searcher = snap.searcher
    searcher.avg_field_length = lambda f, default=None: index.avg_length[f]  # type: ignore[method-assign]
    for stems in QUERIES:
        q = wq.Or([wq.Or([wq.Term(f, s) for f in TEXT_FIELDS]) for s in stems])
        expected = {h.docnum: h.score for h in searcher.search(q, limit=None)}
        clauses = [scoring.Clause([scoring.Leaf((s,), 1.0)]) for s in stems]
        got = scoring.score(index, clauses, frozenset()).scores
        live = np.flatnonzero((got > 0) & index.alive)
        assert set(live.tolist()) == set(expected), stems
        for doc, score in expected.items():
            assert got[doc] == pytest.approx(score, rel=1e-6), (stems, doc)
    assert snap.synonyms.phrases(), "the shipped synonyms have multi-word members"
    for phrase in snap.synonyms.phrases():
        for f in TEXT_FIELDS:
            matcher = wq.Phrase(f, list(phrase)).matcher(snap.searcher)
            expected_docs = sorted(matcher.all_ids()) if matcher.is_active() else []
            got_docs = index.phrase_docs(f, phrase)
            assert sorted(d for d in got_docs.tolist() if index.alive[d]) == expected_docs


def _chunk_scores(snap: Snapshot) -> dict[tuple[str, ...], dict[tuple[str, str], float]]:
    """Each test query's score of every live chunk it matches, by the chunk's (article, anchor)."""
    index = snap.impacts
    found = {}
    for stems in QUERIES:
        clauses = [scoring.Clause([scoring.Leaf((s,), 1.0)]) for s in stems]
        scores = scoring.score(index, clauses, frozenset()).scores
        found[tuple(stems)] = {
            (index.stored[d]["article"], index.stored[d]["anchor"]): float(scores[d])
            for d in np.flatnonzero((scores > 0) & index.alive).tolist()
        }
    return found


def test_scores_equal_whoosh_bm25f(default_index: Path) -> None:
    path = layout.current_version(default_index)
    assert path is not None
    snap = Snapshot.open(path)
    try:
        _assert_matches_whoosh(snap)
    finally:
        snap.close()


def test_incremental_version_reuses_segments_and_still_matches(
    content_copy: Path, tmp_path: Path
) -> None:
    index_dir = tmp_path / "index"
    build_index(content_copy, index_dir)
    holder = SnapshotHolder(index_dir, interval_s=0)
    first = holder.get()
    before = {s.name: s for s, _ in first.impacts.segments}

    # Change one article and remove another: a new small segment plus deletions in the old one.
    article = content_copy / "track-your-order.md"
    article.write_text(article.read_text() + "\n\nZebracode parcels are tracked hourly.\n")
    removed = next(p for p in sorted(content_copy.glob("*.md")) if p.name != article.name)
    removed.unlink()
    build_index(content_copy, index_dir, incremental=True)
    second = holder.get()
    assert second.version != first.version

    reused = [s for s, _ in second.impacts.segments if s.name in before]
    assert reused and all(s is before[s.name] for s in reused), "old segments are not read again"
    assert not second.impacts.alive.all(), "the changed and removed chunks are deleted, not gone"
    build_index(content_copy, tmp_path / "full")
    full_path = layout.current_version(tmp_path / "full")
    assert full_path is not None
    full = Snapshot.open(full_path)
    try:
        # The deleted chunks count nowhere: every chunk scores as in a full build, to the bit.
        assert _chunk_scores(second) == _chunk_scores(full)
        # Nor in any word's live count, read from the lists (deleted chunks looked up in them) and
        # then as kept by scoring: each is the full build's.
        terms = {
            (f, t)
            for s, _ in full.impacts.segments
            for f in TEXT_FIELDS
            for t in s.fields[f].slices
        }
        assert len(terms) > 1000
        for field, term in sorted(terms):
            want = full.impacts.doc_frequency(field, term)
            assert second.impacts.doc_frequency(field, term) == want, (field, term)
            second.impacts.impacts(field, term)
            assert second.impacts.doc_frequency(field, term) == want, (field, term)
    finally:
        full.close()

    engine = SearchEngine(holder, Model.load(), cache_size=0)
    found = engine.search(SearchRequest(q="zebracode"))["answers"]
    assert [a["article"] for a in found] == ["track-your-order"]
    gone = {a["article"] for a in engine.search(SearchRequest(q=removed.stem, limit=20))["answers"]}
    assert removed.stem not in gone


def test_an_edited_index_answers_as_a_full_build_does(content_copy: Path, tmp_path: Path) -> None:
    """After many one-article edits (segments merged on the way) and a removed article, every
    labeled question gets the very answers, scores and confidence a full build of the same content
    gives: the collection statistics are the live chunks', and ties go by the full build's order."""
    index = tmp_path / "index"
    build_index(content_copy, index)
    files = sorted(content_copy.rglob("*.md"))
    for edit in range(20):
        path = files[(edit * 7) % len(files)]
        text = path.read_text(encoding="utf-8")
        path.write_text(f"{text}\n\nNote {edit}: orders, refunds and delivery.\n", encoding="utf-8")
        build_index(content_copy, index, incremental=True)
    files[-1].unlink()
    build_index(content_copy, index, incremental=True)
    build_index(content_copy, tmp_path / "full")
    edited = SearchEngine(SnapshotHolder(index, interval_s=0), Model.load(), cache_size=0)
    built = SearchEngine(
        SnapshotHolder(tmp_path / "full", interval_s=0), Model.load(), cache_size=0
    )
    assert not edited.holder.get().impacts.alive.all(), "the edits left deleted chunks behind"
    questions = [
        json.loads(line)["q"]
        for line in (REPO / "tests" / "relevance" / "queries.jsonl").read_text().splitlines()
        if line.strip()
    ]
    assert len(questions) > 100
    for q in questions:
        got, want = edited.search(SearchRequest(q=q)), built.search(SearchRequest(q=q))
        for body in (got, want):
            body.pop("index_version")
        assert got == want, q


def test_full_rebuild_forgets_old_segments(content_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index(content_copy, index_dir)
    holder = SnapshotHolder(index_dir, interval_s=0)
    first = holder.get().impacts.segment_names
    for _ in range(2):  # each full build writes new segments; the holder keeps two versions
        build_index(content_copy, index_dir)
        latest = holder.get().impacts.segment_names
    assert not first & latest
    assert first.isdisjoint(holder.segments._data)


@pytest.mark.parametrize(
    ("docs", "weights", "why"),
    [
        ([0, 7], [1.0, 1.0], "out of range"),
        ([-1, 2], [1.0, 1.0], "out of range"),
        ([3, 2], [1.0, 1.0], "out of order"),
        ([1, 2], [1.0, float("nan")], "not a count"),
        ([1, 2], [1.0, -2.0], "not a count"),
    ],
)
def test_postings_that_cannot_be_right_are_refused(
    docs: list[int], weights: list[float], why: str
) -> None:
    """Damaged postings that still decode (ids beyond the segment, falling, bad weights) raise."""
    from whoosh.reading import CorruptIndexError

    one_term = scoring.FieldPostings(
        {"word": (0, 2)}, np.array(docs, np.int32), np.array(weights, np.float32)
    )
    with pytest.raises(CorruptIndexError, match=why):
        scoring._check("seg", "body", one_term, doccount=5)
    # Two terms: each list starts afresh, so a lower id at a term's start is fine.
    two_terms = scoring.FieldPostings(
        {"a": (0, 2), "b": (2, 4)}, np.array([2, 4, 0, 1], np.int32), np.ones(4, np.float32)
    )
    scoring._check("seg", "body", two_terms, doccount=5)
