"""Incremental builds merge small segments by tiers, so that a served index does not slow down as it
is edited (indexer.merge)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.query import Term

from indexer import build_index, layout
from indexer.merge import FACTOR, tier, to_merge
from indexer.schema import TEXT_FIELDS
from kb.engine.snapshot import Snapshot
from kb.engine.vocabulary import stem
from tests.indexer.test_build import article, make_content


@dataclass
class Sized:
    live: int

    def doc_count(self) -> int:
        return self.live


def test_tiers_are_orders_of_magnitude() -> None:
    assert [tier(n) for n in (1, 8, 9, 64, 65, 512, 513)] == [0, 0, 1, 1, 2, 2, 3]


def test_a_full_tier_is_merged_with_every_smaller_segment() -> None:
    """Below a full tier nothing is merged; a full one takes the smaller tiers with it, never a
    segment with over a quarter of the chunks, and empty segments go whenever they are found."""
    large = [Sized(5000), Sized(5000)]
    assert to_merge([*large, *[Sized(3)] * (FACTOR - 1), Sized(40)]) == []
    picked = to_merge([*large, Sized(40), *[Sized(3)] * FACTOR, Sized(600)])
    assert picked == list(range(3, 3 + FACTOR))  # tier 0 is full: it and nothing larger
    mid = [Sized(40)] * FACTOR
    assert to_merge([*large, *mid, Sized(3), Sized(600)]) == list(range(2, 3 + FACTOR))
    assert to_merge([*large, Sized(0), Sized(3)]) == [2]
    # In one tier, those with over a quarter of the chunks neither count nor are merged.
    same_tier = [Sized(4100)] * (FACTOR - 1)
    assert to_merge([Sized(30000), *same_tier, Sized(4100)]) == list(range(1, 1 + FACTOR))
    assert to_merge([Sized(30000), *same_tier, Sized(20000)]) == []


def _segments(version: Path) -> list[tuple[int, int]]:
    """(live chunks, chunks stored) of each Whoosh segment of a version."""
    ix = whoosh_index.open_dir(str(version / layout.WHOOSH_DIR))
    try:
        return [(s.doc_count(), s.doc_count_all()) for s in ix._segments()]
    finally:
        ix.close()


def _articles_with(version: Path, word: str) -> set[str]:
    ix = whoosh_index.open_dir(str(version / layout.WHOOSH_DIR))
    with ix.searcher() as searcher:
        return {hit["article"] for hit in searcher.search(Term("body", stem(word)), limit=None)}


def test_edits_do_not_pile_segments_up(tmp_path: Path) -> None:
    """Eighty edits, one article each: without merging that is eighty more segments. With tiers
    the count stays under FACTOR per tier, deleted chunks are dropped as small segments merge,
    the full build's segments are kept, and every word finds what a full build finds."""
    content = make_content(tmp_path / "c", 40)
    index = tmp_path / "index"
    build_index(content, index)
    first = _segments(layout.current_version(index))  # type: ignore[arg-type]
    counts = []
    for edit in range(80):
        i = edit % 10  # ten articles edited over and over: their old chunks are deleted each time
        (content / f"a{i}.md").write_text(article(i, extra=f"edit{edit}"), encoding="utf-8")
        report = build_index(content, index, incremental=True)
        assert report.incremental and report.changed == 1
        counts.append(len(_segments(index / report.version)))
    live = layout.current_version(index)
    assert live is not None
    segments = _segments(live)
    assert max(counts) <= len(first) + 2 * (FACTOR - 1) + 1
    assert min(counts[FACTOR:]) < FACTOR  # merges happened (without them: 9, 10, … 80 more)
    kept = [all_ for _, all_ in segments]
    assert all(kept.count(n) >= [a for _, a in first].count(n) for _, n in first)  # not rewritten
    stored = sum(all_ for _, all_ in segments)
    assert stored < 40 * 3 + 80 * 3  # far fewer than every chunk ever written
    assert sum(n for n, _ in segments) == 40 * 3
    full = tmp_path / "full"
    build_index(content, full)
    fresh = layout.current_version(full)
    assert fresh is not None
    for word in ("edit79", "edit75", "edit69", "edit3", "alpha", "gamma", "word7", "word33"):
        assert _articles_with(live, word) == _articles_with(fresh, word), word


def _phrase_sections(version: Path) -> dict[tuple[str, tuple[str, ...]], set[tuple[str, str]]]:
    """Per text field and multi-word synonym: the live sections where its words stand in order."""
    snap = Snapshot.open(version)
    try:
        index = snap.impacts
        found = {}
        for stems in snap.synonyms.phrases():
            for field in TEXT_FIELDS:
                docs = [d for d in index.phrase_docs(field, stems).tolist() if index.alive[d]]
                found[(field, stems)] = {
                    (index.stored[d]["article"], index.stored[d]["anchor"]) for d in docs
                }
        return found
    finally:
        snap.close()


def test_merged_segments_keep_what_multi_word_synonyms_are_matched_by(
    content_copy: Path, tmp_path: Path
) -> None:
    """A merge copies the word positions too: after edits that merged segments, every multi-word
    synonym ("money back", "never arrived") is found in the same sections as on a full build."""
    index = tmp_path / "index"
    build_index(content_copy, index)
    files = sorted(content_copy.rglob("*.md"))[:3]
    for edit in range(2 * FACTOR):
        path = files[edit % len(files)]
        text = path.read_text(encoding="utf-8")
        path.write_text(
            f"{text}\n\nEdit {edit}: I want my money back, the parcel never arrived.\n",
            encoding="utf-8",
        )
        build_index(content_copy, index, incremental=True)
    live = layout.current_version(index)
    assert live is not None
    assert len(_segments(live)) < FACTOR  # merged: without merging, 1 + 16
    full = tmp_path / "full"
    build_index(content_copy, full)
    fresh = layout.current_version(full)
    assert fresh is not None
    merged, built = _phrase_sections(live), _phrase_sections(fresh)
    assert merged == built
    money_back = ("body", (stem("money"), stem("back")))
    # found in (at least) each edited article, where the edits wrote it
    assert len({article for article, _ in built[money_back]}) >= len(files)
