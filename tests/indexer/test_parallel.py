"""Parsing and indexing in worker processes: the same articles, errors and index as in one process."""

from __future__ import annotations

import multiprocessing
import shutil
from contextlib import closing
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.reading import IndexReader

from indexer import build_index, find_sources, layout
from indexer.article import Article
from indexer.article_store import ArticleShards
from indexer.loader import Source
from indexer.parallel import PARALLEL_BYTES, PARALLEL_MIN, ShardedIndexing, parse_sources
from indexer.schema import make_schema
from kb.errors import ArticleError, BuildError
from tests.conftest import CONTENT
from tests.helpers.kill import killing_a_worker
from tests.indexer.test_build import article, make_content


def _outcomes(results: list[Article | ArticleError]) -> list[object]:
    return [(r.path, r.reason) if isinstance(r, ArticleError) else r.to_json() for r in results]


def test_workers_parse_exactly_what_one_process_parses(tmp_path: Path) -> None:
    """Worker processes give the same articles and errors, in the same order, as one process."""
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    (content / "bad.md").write_text("---\ntitle: [oops\n---\ntext", encoding="utf-8")
    (content / "latin1.md").write_bytes(b"# Caf\xe9\n")
    sources = list(find_sources(content))
    known = {"chat", "email", "phone"}

    serial = list(parse_sources(sources, known, workers=1))
    parallel = list(parse_sources(sources, known, workers=2))

    assert _outcomes(parallel) == _outcomes(serial)
    assert {r.path for r in parallel if isinstance(r, ArticleError)} >= {"bad.md", "latin1.md"}


def test_large_build_reports_malformed_articles_with_their_paths(tmp_path: Path) -> None:
    """A build big enough to parse in workers still names each malformed file and obeys --strict."""
    content = make_content(tmp_path / "c", PARALLEL_MIN)
    (content / "sub").mkdir()
    (content / "sub" / "bad.md").write_text("---\ntitle: [oops\n---\ntext", encoding="utf-8")

    report = build_index(content, tmp_path / "index")
    assert report.articles == PARALLEL_MIN
    assert [(e.path, "bad front matter" in e.reason) for e in report.skipped] == [
        ("sub/bad.md", True)
    ]
    live = layout.current_version(tmp_path / "index")
    assert live is not None
    ids = list(ArticleShards().read(live))
    assert ids == [f"art-{path.stem[1:]}" for path in sorted(content.glob("a*.md"))]

    with pytest.raises(BuildError, match=r"sub/bad\.md"):
        build_index(content, tmp_path / "index", strict=True)


def _postings(reader: IndexReader, fieldname: str, tbytes: bytes) -> list[tuple[int, float, bytes]]:
    m = reader.postings(fieldname, tbytes)
    found = []
    while m.is_active():
        found.append((m.id(), m.weight(), m.value()))
        m.next()
    return found


def _index_with(workers: int, sources: list[Source], target: Path) -> list[str]:
    """Sources indexed by ShardedIndexing with `workers` processes, duplicates rejected as the
    build does; the chunk ids of the committed index, in document order."""
    target.mkdir()
    ix = whoosh_index.create_in(str(target), make_schema())
    seen: set[str] = set()
    with closing(ShardedIndexing(sources, None, target, ix.indexname, workers=workers)) as shards:
        for position, result in enumerate(shards.results()):
            if isinstance(result, Article):
                if result.id in seen:
                    shards.reject(position)
                seen.add(result.id)
        segments = shards.segments()
    with ix.writer() as writer:
        writer.mergetype = lambda _writer, existing: [*existing, *segments]
    with whoosh_index.open_dir(str(target)).reader() as reader:
        return [reader.stored_fields(d)["chunk_id"] for d in range(reader.doc_count_all())]


def test_workers_index_exactly_what_one_process_indexes(tmp_path: Path) -> None:
    """Worker processes write segments that together hold the same chunks, in source order, with
    the same postings, as the one segment written in one process; rejected duplicates in neither."""
    content = make_content(tmp_path / "c", 40)
    (content / "b-dup-early.md").write_text(article(3, "early duplicate"), encoding="utf-8")
    (content / "z-dup-late.md").write_text(article(1, "late duplicate"), encoding="utf-8")
    (content / "bad.md").write_text("---\ntitle: [oops\n---\ntext", encoding="utf-8")
    sources = list(find_sources(content))

    alone = _index_with(1, sources, tmp_path / "one")
    shared = _index_with(2, sources, tmp_path / "two")

    assert shared == alone
    assert alone == [
        f"art-{path.stem[1:]}#{anchor}"
        for path in sorted(content.glob("a*.md"))
        for anchor in ("article-" + path.stem[1:], "part-one", "part-two")
    ]
    with (
        whoosh_index.open_dir(str(tmp_path / "one")).reader() as one,
        whoosh_index.open_dir(str(tmp_path / "two")).reader() as two,
    ):
        assert len(list(two.leaf_readers())) == 2
        for term in ("duplic", "early", "late"):
            assert ("body", term.encode()) not in one and ("body", term.encode()) not in two
        assert list(two.all_terms()) == list(one.all_terms())
        for fieldname, tbytes in one.all_terms():
            assert _postings(two, fieldname, tbytes) == _postings(one, fieldname, tbytes)


def test_a_large_build_leaves_a_duplicate_in_a_later_share_out(tmp_path: Path) -> None:
    """In a build indexed by workers, an article whose id an earlier file took is reported and none
    of its chunks is in the published index."""
    content = make_content(tmp_path / "c", PARALLEL_MIN)
    (content / "zz-dup.md").write_text(article(0, "uniquedupword"), encoding="utf-8")

    report = build_index(content, tmp_path / "index")

    assert [(e.path, "duplicate id 'art-0'" in e.reason) for e in report.skipped] == [
        ("zz-dup.md", True)
    ]
    live = layout.current_version(tmp_path / "index")
    assert live is not None
    with whoosh_index.open_dir(str(live / layout.WHOOSH_DIR)).reader() as reader:
        assert reader.doc_count_all() == report.chunks == 3 * PARALLEL_MIN
        assert ("body", b"uniquedupword") not in reader


def test_a_worker_killed_mid_build_fails_the_build_and_keeps_the_live_version(
    tmp_path: Path,
) -> None:
    """A worker process killed mid-build (by the OOM killer, say) fails the build with a reason,
    publishes nothing and leaves no worker behind; the previous version stays live."""
    content = make_content(tmp_path / "c", 1400)
    first = build_index(content, tmp_path / "index")
    with (
        killing_a_worker(lambda child: child.name == "kb-index-worker") as killed,
        pytest.raises(BuildError, match="worker process died"),
    ):
        build_index(content, tmp_path / "index")
    assert killed
    assert layout.current_version(tmp_path / "index").name == first.version  # type: ignore[union-attr]
    assert not list((tmp_path / "index").glob(".build-*"))
    assert not [c for c in multiprocessing.active_children() if c.name == "kb-index-worker"]


def test_a_help_center_of_few_large_articles_is_indexed_by_workers(tmp_path: Path) -> None:
    """Worker processes index a build of fewer than PARALLEL_MIN files when they hold more than
    PARALLEL_BYTES of Markdown (one segment per worker), and a small one in one process."""
    content = make_content(tmp_path / "c", 20)
    small = build_index(content, tmp_path / "small")
    padding = "lorem ipsum dolor " * (PARALLEL_BYTES // (20 * 18) + 1)
    for i in range(20):
        (content / f"a{i}.md").write_text(article(i, padding), encoding="utf-8")
    large = build_index(content, tmp_path / "large")

    def segments(index: Path, version: str) -> int:
        with whoosh_index.open_dir(str(index / version / layout.WHOOSH_DIR)).reader() as reader:
            return len(list(reader.leaf_readers()))

    assert (segments(tmp_path / "small", small.version), small.chunks) == (1, 60)
    assert (segments(tmp_path / "large", large.version), large.chunks) == (2, 60)
