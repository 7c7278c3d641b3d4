"""kb.impacts scores exactly as Whoosh's own searcher does, on real indexes, across index versions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from whoosh import query as wq

from indexer import build_index
from kb import impacts, layout
from kb.confidence import Model
from kb.schema import TEXT_FIELDS
from kb.search import SearchEngine, SearchRequest
from kb.snapshot import Snapshot, SnapshotHolder

QUERIES = [
    ["refund"],
    ["parcel", "deliveri"],
    ["account", "password", "reset"],
    ["charg", "twice"],
    ["cancel", "order", "not", "arriv"],
]


def _assert_matches_whoosh(snap: Snapshot) -> None:
    index = snap.impacts
    for stems in QUERIES:
        q = wq.Or([wq.Or([wq.Term(f, s) for f in TEXT_FIELDS]) for s in stems])
        expected = {h.docnum: h.score for h in snap.searcher.search(q, limit=None)}
        clauses = [impacts.Clause([impacts.Leaf((s,), 1.0)]) for s in stems]
        got = impacts.score(index, clauses, frozenset()).scores
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
    try:
        _assert_matches_whoosh(second)
    finally:
        second.close()

    engine = SearchEngine(holder, Model.load(), cache_size=0)
    found = engine.search(SearchRequest(q="zebracode"))["answers"]
    assert [a["article"] for a in found] == ["track-your-order"]
    gone = {a["article"] for a in engine.search(SearchRequest(q=removed.stem, limit=20))["answers"]}
    assert removed.stem not in gone


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

    one_term = impacts.FieldPostings(
        {"word": (0, 2)}, np.array(docs, np.int32), np.array(weights, np.float32)
    )
    with pytest.raises(CorruptIndexError, match=why):
        impacts._check("seg", "body", one_term, doccount=5)
    # Two terms: each list starts afresh, so a lower id at a term's start is fine.
    two_terms = impacts.FieldPostings(
        {"a": (0, 2), "b": (2, 4)}, np.array([2, 4, 0, 1], np.int32), np.ones(4, np.float32)
    )
    impacts._check("seg", "body", two_terms, doccount=5)
