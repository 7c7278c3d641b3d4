"""Building index versions: reports, skipped files, --strict, incremental builds, atomic switching."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from whoosh.query import Term

from indexer import article_store, build_index, layout
from indexer.schema import STOPWORDS, words
from kb.engine.snapshot import Snapshot
from kb.errors import BuildError, ContentError
from tests.conftest import CONTENT, SHARED


def article(i: int, extra: str = "") -> str:
    return (
        f"---\nid: art-{i}\ntitle: Article {i}\ntopic: t{i % 3}\n---\n"
        f"# Article {i}\n\nIntro {extra}.\n\n## Part one\n\nword{i} alpha beta.\n\n"
        f"## Part two\n\ngamma delta {extra}.\n"
    )


def make_content(folder: Path, n: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(CONTENT / "channels.yaml", folder / "channels.yaml")
    for i in range(n):
        (folder / f"a{i}.md").write_text(article(i), encoding="utf-8")
    return folder


def test_build_reports_counts_and_publishes(tmp_path: Path) -> None:
    """A build reports articles and chunks and makes its version the live one."""
    report = build_index(CONTENT, tmp_path / "index")
    assert report.articles >= 14 and report.chunks > report.articles
    assert not report.skipped
    live = layout.current_version(tmp_path / "index")
    assert live is not None and live.name == report.version
    snap = Snapshot.open(live)
    assert snap.chunks == report.chunks
    assert "customer-service-guide" in snap.articles


def test_malformed_files_are_skipped_and_reported(tmp_path: Path) -> None:
    """Bad files are reported with path and reason; the rest still builds."""
    content = make_content(tmp_path / "c", 3)
    (content / "bad.md").write_text("---\ntitle: [oops\n---\ntext", encoding="utf-8")
    (content / "dup.md").write_text(article(1), encoding="utf-8")
    (content / "latin1.md").write_bytes(b"# Caf\xe9\n")
    report = build_index(content, tmp_path / "index")
    assert report.articles == 3
    reasons = {p.path: p.reason for p in report.skipped}
    assert set(reasons) == {"bad.md", "dup.md", "latin1.md"}
    assert "duplicate id 'art-1'" in reasons["dup.md"]
    assert "not UTF-8" in reasons["latin1.md"]


def test_strict_fails_and_keeps_the_live_index(tmp_path: Path) -> None:
    """--strict turns any malformed file into a failed build; the previous version stays live."""
    content = make_content(tmp_path / "c", 2)
    first = build_index(content, tmp_path / "index")
    (content / "bad.md").write_text("---\ntitle: [oops\n---\n", encoding="utf-8")
    with pytest.raises(BuildError, match=r"bad\.md"):
        build_index(content, tmp_path / "index", strict=True)
    assert layout.current_version(tmp_path / "index").name == first.version  # type: ignore[union-attr]


def test_missing_or_empty_content_is_a_clear_error(tmp_path: Path) -> None:
    """A missing folder or one with no usable article fails with a reason, publishing nothing."""
    with pytest.raises(ContentError, match="not found"):
        build_index(tmp_path / "nope", tmp_path / "index")
    (tmp_path / "empty").mkdir()
    with pytest.raises(BuildError, match="no usable articles"):
        build_index(tmp_path / "empty", tmp_path / "index")
    assert layout.current_version(tmp_path / "index") is None


def test_incremental_build_reprocesses_only_changes(tmp_path: Path) -> None:
    """Changing one article re-processes it alone; a deleted article disappears from the index."""
    content = make_content(tmp_path / "c", 5)
    build_index(content, tmp_path / "index")
    (content / "a2.md").write_text(article(2, extra="zebra"), encoding="utf-8")
    (content / "a4.md").unlink()
    report = build_index(content, tmp_path / "index", incremental=True)
    assert report.incremental and report.changed == 2 and report.articles == 4
    snap = Snapshot.open(layout.current_version(tmp_path / "index"))  # type: ignore[arg-type]
    from whoosh.query import Term

    hits = snap.searcher.search(Term("body", "zebra"))
    assert {h["article"] for h in hits} == {"art-2"}
    assert not list(snap.searcher.search(Term("article", "art-4")))
    assert snap.chunks == 4 * 3
    # The vocabulary updated in place equals one counted from scratch.
    from indexer.build import _vocabulary

    assert snap.vocabulary.counts == _vocabulary(snap.articles.values())
    assert "zebra" in snap.vocabulary.counts and "word4" not in snap.vocabulary.counts


def _shard_files(version: Path) -> dict[str, os.stat_result]:
    return {p.name: p.stat() for p in (version / layout.ARTICLES_DIR).iterdir()}


def test_an_incremental_build_links_the_article_shards_it_leaves_unchanged(tmp_path: Path) -> None:
    """After one article changes and one goes, only their shards (and the order) are written anew;
    every other shard is the live version's file, linked; and every file holds the bytes a full
    build of the same content writes."""
    content = make_content(tmp_path / "c", 40)
    index = tmp_path / "index"
    before = _shard_files(tmp_path / "index" / build_index(content, index).version)
    (content / "a2.md").write_text(article(2, extra="zebra"), encoding="utf-8")
    (content / "a4.md").unlink()
    after_version = index / build_index(content, index, incremental=True).version
    after = _shard_files(after_version)

    touched = {f"{article_store.shard_of(i):02d}.json" for i in ("art-2", "art-4")} | {
        article_store.ORDER
    }
    assert set(after) <= set(before) and len(after) > 20
    for name, st in after.items():
        linked = (st.st_ino, st.st_dev) == (before[name].st_ino, before[name].st_dev)
        assert linked is (name not in touched), name
        assert st.st_nlink == (2 if linked else 1), name

    full = tmp_path / "full"
    full_version = full / build_index(content, full).version
    for name in after:
        written = (full_version / layout.ARTICLES_DIR / name).read_bytes()
        assert (after_version / layout.ARTICLES_DIR / name).read_bytes() == written, name


def test_an_incremental_build_links_the_whoosh_files_and_leaves_the_live_ones_alone(
    tmp_path: Path,
) -> None:
    """The new version's Whoosh files that the live version has are the same files (linked, not
    copied), the new segment and table of contents are its own, and not a byte of the live
    version's files changes, though the build marks chunks of them deleted."""
    content = make_content(tmp_path / "c", 12)
    index = tmp_path / "index"
    live = index / build_index(content, index).version
    files = {
        p.name: (p.stat().st_ino, p.read_bytes()) for p in (live / layout.WHOOSH_DIR).iterdir()
    }
    (content / "a2.md").write_text(article(2, extra="zebra"), encoding="utf-8")
    new = index / build_index(content, index, incremental=True).version

    for name, (_, data) in files.items():
        assert (live / layout.WHOOSH_DIR / name).read_bytes() == data, name
    inodes = {p.name: p.stat().st_ino for p in (new / layout.WHOOSH_DIR).iterdir()}
    shared = {name for name in inodes if name in files}
    assert shared and all(inodes[name] == files[name][0] for name in shared)
    assert any(name.endswith(".toc") for name in set(inodes) - shared)  # its own deletions
    assert any(name.endswith(".seg") for name in set(inodes) - shared)  # its own segment
    assert not list(Snapshot.open(live).searcher.search(Term("body", "zebra")))
    assert {h["article"] for h in Snapshot.open(new).searcher.search(Term("body", "zebra"))} == {
        "art-2"
    }


def test_where_the_live_files_cannot_be_linked_an_incremental_build_writes_them(
    tmp_path: Path,
) -> None:
    """The live version on another file system (a hard link there fails with EXDEV, as on a file
    system without hard links): the incremental build writes or copies every file it would have
    linked, and the new version holds the bytes a linked one would (the Whoosh files the live
    version's, the article shards a full build's) and answers with the edit."""
    elsewhere = Path("/dev/shm")
    if not elsewhere.is_dir() or elsewhere.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("needs /dev/shm on a file system other than the temporary folder's")
    content = make_content(tmp_path / "c", 40)
    index = tmp_path / "index"
    name = build_index(content, index).version
    moved = elsewhere / f"kb-test-{os.getpid()}-{tmp_path.name}"
    try:
        shutil.move(str(index / name), moved)
        (index / name).symlink_to(moved, target_is_directory=True)
        live = {p.relative_to(moved): p.read_bytes() for p in moved.rglob("*") if p.is_file()}
        (content / "a2.md").write_text(article(2, extra="zebra"), encoding="utf-8")
        new = index / build_index(content, index, incremental=True).version
        files = [p for p in new.rglob("*") if p.is_file()]
        assert all(p.stat().st_nlink == 1 for p in files), "nothing is linked across devices"
        whoosh = {p.relative_to(new) for p in files if p.parent.name == layout.WHOOSH_DIR}
        kept = whoosh & set(live)
        assert kept and all((new / f).read_bytes() == live[f] for f in kept)
        full = tmp_path / "full" / build_index(content, tmp_path / "full").version
        for shard in (new / layout.ARTICLES_DIR).iterdir():
            assert shard.read_bytes() == (full / layout.ARTICLES_DIR / shard.name).read_bytes()
        assert len(list((new / layout.ARTICLES_DIR).iterdir())) > 20
        snap = Snapshot.open(new)
        try:
            assert {h["article"] for h in snap.searcher.search(Term("body", "zebra"))} == {"art-2"}
        finally:
            snap.close()
    finally:
        shutil.rmtree(moved, ignore_errors=True)


def test_a_reader_parses_only_the_shards_it_has_not_read(tmp_path: Path) -> None:
    """A reader that read the live version gets the very same article objects back for the shards
    the next version shares with it, new ones for the changed shard, in content order; a shard
    damaged in place is read again and fails."""
    content = make_content(tmp_path / "c", 30)
    index = tmp_path / "index"
    reader = article_store.ArticleShards()
    first = reader.read(index / build_index(content, index).version)
    (content / "a7.md").write_text(article(7, extra="zebra"), encoding="utf-8")
    live = index / build_index(content, index, incremental=True).version
    second = reader.read(live)

    assert list(second) == [f"art-{p.stem[1:]}" for p in sorted(content.glob("a*.md"))]
    changed = {i for i in second if article_store.shard_of(i) == article_store.shard_of("art-7")}
    for article_id, got in second.items():
        assert (got is first[article_id]) is (article_id not in changed), article_id
    assert "zebra" in second["art-7"].sections[0].text
    assert second == article_store.ArticleShards().read(
        live
    )  # what a reader that read nothing gets

    damaged = live / layout.ARTICLES_DIR / f"{article_store.shard_of('art-3'):02d}.json"
    os.truncate(damaged, damaged.stat().st_size // 2)
    with pytest.raises(ValueError):
        reader.read(live)


def test_a_version_built_before_the_shards_still_serves(tmp_path: Path) -> None:
    """A version of index schema 4 (every article in one articles.json) opens with the same
    articles, and the next incremental build of it is a full one."""
    content = make_content(tmp_path / "c", 6)
    index = tmp_path / "index"
    live = index / build_index(content, index).version
    articles = article_store.ArticleShards().read(live)
    shutil.rmtree(live / layout.ARTICLES_DIR)
    (live / layout.LEGACY_ARTICLES).write_text(
        json.dumps([a.to_json() for a in articles.values()]), encoding="utf-8"
    )
    manifest = json.loads((live / layout.MANIFEST).read_text(encoding="utf-8"))
    (live / layout.MANIFEST).write_text(json.dumps({**manifest, "schema_version": 4}))

    assert Snapshot.open(live).articles == articles
    report = build_index(content, index, incremental=True)
    assert not report.incremental and report.articles == 6


def test_old_versions_are_cleaned_up(tmp_path: Path) -> None:
    """Past the grace period only the live version and one predecessor are kept."""
    content = make_content(tmp_path / "c", 2)
    for _ in range(4):
        build_index(content, tmp_path / "index")
    index = tmp_path / "index"
    assert len(list(index.glob("v-*"))) == 4  # all young: within the grace period
    removed = layout.cleanup(index, keep=2, grace_s=0)
    assert len(removed) == 2
    assert layout.current_version(index) in set(index.glob("v-*"))


def test_a_build_killed_half_way_leaves_the_old_index_serving(tmp_path: Path) -> None:
    """`kb index` killed with SIGKILL mid-build never changes or corrupts the live version."""
    content = make_content(tmp_path / "c", 400)
    index = tmp_path / "index"
    first = build_index(content, index)
    for i in range(0, 400, 7):
        (content / f"a{i}.md").write_text(article(i, extra="changed"), encoding="utf-8")
    env = {**os.environ, "KB_ENV": "development"}
    for delay in (0.3, 0.8, 1.5):
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kb",
                "index",
                "--full",
                "--content",
                str(content),
                "--index",
                str(index),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        live = layout.current_version(index)
        assert live is not None
        snap = Snapshot.open(live)  # the live version always opens and searches
        assert snap.chunks == first.chunks * 1 or snap.version != first.version
        assert list(snap.searcher.search(__import__("whoosh.query").query.Term("article", "art-1")))
    report = build_index(content, index)  # and the next build succeeds over any leftovers
    assert layout.current_version(index).name == report.version  # type: ignore[union-attr]


@pytest.mark.slow
def test_real_third_party_docs_index_without_crashing(tmp_path: Path) -> None:
    """An operator's folder (Hugo's docs: deep folders, shortcodes, heavy front matter) indexes."""
    corpus = SHARED / "corpora" / "hugo-docs"
    if not corpus.exists():
        pytest.fail(f"expected the shared corpus at {corpus}")
    report = build_index(corpus, tmp_path / "index", default_channels=CONTENT / "channels.yaml")
    # The glossary terms and _common snippets are never rendered on their own (build.render:
    # never, cascaded): left out, not indexed.
    assert report.articles > 750 and report.articles + len(report.excluded) > 950
    assert all(p.path.endswith(".md") and p.reason for p in report.skipped)
    manifest = json.loads((tmp_path / "index" / report.version / "manifest.json").read_text())
    assert manifest["articles"] == report.articles
    snap = Snapshot.open(tmp_path / "index" / report.version)
    for a in snap.articles.values():
        for s in a.sections:
            # Template tags survive only inside code examples, which are shown as code.
            assert "<script" not in s.html.lower()
            assert "{{<" not in s.html.replace("<code", "\0").split("\0")[0]


def test_a_broken_synonyms_file_fails_a_large_build_cleanly(tmp_path: Path) -> None:
    """A broken synonyms.yaml fails even a multi-process build, keeping the live version and
    leaving no half-built version or stray writer behind."""
    content = make_content(tmp_path / "c", 1400)  # parsed and indexed in worker processes
    first = build_index(content, tmp_path / "index")
    (content / "synonyms.yaml").write_text("synonyms: [oops\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"synonyms\.yaml"):
        build_index(content, tmp_path / "index")
    assert layout.current_version(tmp_path / "index").name == first.version  # type: ignore[union-attr]
    assert not list((tmp_path / "index").glob(".build-*"))


def test_the_vocabulary_counts_every_indexable_word_in_order_of_first_use(tmp_path: Path) -> None:
    """vocabulary.json holds each word of the articles as `words()` reads it (stop words, single
    letters and numbers left out) with its count, in the order the words first appear."""
    report = build_index(CONTENT, tmp_path / "index")
    live = tmp_path / "index" / report.version
    expected: Counter[str] = Counter()
    for a in article_store.ArticleShards().read(live).values():
        text = " ".join([a.title, a.summary, *a.questions, *(s.text for s in a.sections)])
        expected.update(
            w for w in words(text) if w not in STOPWORDS and len(w) > 1 and not w.isdigit()
        )
    got = json.loads((live / layout.VOCAB).read_text(encoding="utf-8"))
    assert list(got.items()) == list(expected.items())
    assert "refund" in got and "the" not in got and "2" not in got


def test_tokens_counted_by_piece_are_the_regex_matches_of_the_whole_text() -> None:
    """Counting whitespace-separated pieces first finds the same tokens, counts and first-use order
    as WORD_RE over the whole text: on awkward text and every article of the help center."""
    from indexer.build import _article_text, _tokens
    from indexer.loader import find_sources, parse_article
    from indexer.schema import WORD_RE, plain_word

    awkward = [
        "where's my refund? isn't it 'quoted' — don’t, can't'' a'b'c a'b-a'b x’y’",
        "tabs\tnew\nlines\r\nnbsp\u00a0em\u2003space\x1c\x1fend  _under_score_ snake_case",
        "Straße İstanbul 東京 ١٢٣ Ⅻ café... (refund) refund, refund. refund",
        "",
        "   ",
    ]
    texts = awkward + [_article_text(parse_article(s)) for s in find_sources(CONTENT)]
    expected = Counter(WORD_RE.findall(" ".join(texts)))
    got = _tokens(texts)
    assert list(got.items()) == list(expected.items())
    # and each token is one word, as `words()` reads it (what the vocabulary counts)
    assert all(words(token) == [plain_word(token)] for token in got)
