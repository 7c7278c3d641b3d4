"""A folder of vectors shared by a machine's builds: a build from nothing embeds only what no build
stored there, and a folder that cannot be used never fails a build."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from indexer import article_store, build_index, encoder, layout, vector_cache, vectors
from tests.indexer.test_build import make_content

pytestmark = pytest.mark.skipif(not encoder.available(), reason="kb[semantic] is not installed")


def _stored(version_of: Path) -> dict[str, bytes]:
    live = layout.current_version(version_of)
    assert live is not None
    return {name: (live / name).read_bytes() for name in (vectors.ROWS, vectors.VECTORS)}


def _rows(cache: Path) -> int:
    with sqlite3.connect(cache / vector_cache.FILENAME) as db:
        count: int = db.execute("SELECT count(*) FROM vectors").fetchone()[0]
    return count


def test_a_build_from_nothing_reads_what_an_earlier_build_stored(tmp_path: Path) -> None:
    """A second build of the same articles into a new index folder loads no model at all, and its
    vectors are byte for byte those of a build that embedded every text itself."""
    content = make_content(tmp_path / "c", 4)
    cache = tmp_path / "cache"
    first = build_index(content, tmp_path / "one", semantic=True, vector_cache=cache)
    assert first.embedded == _rows(cache) == 4 * 4  # each article's card and three sections

    encoder.shared_encoder.cache_clear()
    second = build_index(content, tmp_path / "two", semantic=True, vector_cache=cache)
    assert encoder.shared_encoder.cache_info().currsize == 0, "the model was loaded"
    assert (second.embedded, second.cached) == (0, 16) and _rows(cache) == 16

    build_index(content, tmp_path / "plain", semantic=True)
    assert _stored(tmp_path / "two") == _stored(tmp_path / "plain") == _stored(tmp_path / "one")


def test_new_texts_are_embedded_and_stored_beside_the_known_ones(tmp_path: Path) -> None:
    """Articles the cache has not seen are embedded and added; the known ones are read."""
    cache = tmp_path / "cache"
    build_index(
        make_content(tmp_path / "c", 2), tmp_path / "one", semantic=True, vector_cache=cache
    )
    report = build_index(
        make_content(tmp_path / "d", 3), tmp_path / "two", semantic=True, vector_cache=cache
    )
    assert _rows(cache) == 3 * 4
    assert (report.embedded, report.cached) == (4, 2 * 4)  # the new article's card and sections
    build_index(tmp_path / "d", tmp_path / "plain", semantic=True)
    assert _stored(tmp_path / "two") == _stored(tmp_path / "plain")


def test_a_folder_that_cannot_be_used_is_logged_and_the_build_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A cache path that is a file (or a database that is not one) is reported with its path; the
    build embeds as it would without a cache and publishes the same vectors."""
    content = make_content(tmp_path / "c", 2)
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / vector_cache.FILENAME).write_bytes(b"this is not a database" * 100)
    build_index(content, tmp_path / "plain", semantic=True)
    for i, folder in enumerate((blocked, broken)):
        with caplog.at_level(logging.WARNING, logger="indexer.vector_cache"):
            report = build_index(content, tmp_path / f"ix{i}", semantic=True, vector_cache=folder)
        assert report.embedded == 2 * 4
        assert str(folder) in caplog.text and "without it" in caplog.text
        assert _stored(tmp_path / f"ix{i}") == _stored(tmp_path / "plain")
        caplog.clear()


def test_a_damaged_row_is_embedded_again_and_replaced(tmp_path: Path) -> None:
    """A row cut short (a disk that lost its tail) is read as absent: the build embeds that text and
    stores its whole vector over the damaged one."""
    content = make_content(tmp_path / "c", 2)
    cache = tmp_path / "cache"
    build_index(content, tmp_path / "one", semantic=True, vector_cache=cache)
    with sqlite3.connect(cache / vector_cache.FILENAME) as db:
        damaged = db.execute("SELECT key FROM vectors LIMIT 1").fetchone()[0]
        db.execute("UPDATE vectors SET vector = x'00ff' WHERE key = ?", (damaged,))
    embedded: list[str] = []

    def counting(texts: Sequence[str]) -> encoder.Vectors:
        embedded.extend(texts)
        return encoder.shared_encoder().embed(texts)

    again = vector_cache.embed_cached(cache, _texts(tmp_path / "one"), counting)
    assert len(embedded) == 1
    with sqlite3.connect(cache / vector_cache.FILENAME) as db:
        size = db.execute("SELECT length(vector) FROM vectors WHERE key = ?", (damaged,)).fetchone()
    assert size == (encoder.DIMENSIONS * 4,)
    assert np.array_equal(again, encoder.shared_encoder().embed(_texts(tmp_path / "one")))


def test_builds_at_the_same_time_share_one_cache(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Four builds of one help center into four index folders, at once over one cache folder
    (each with its own connection, as separate processes have), all use the cache without a
    complaint and publish the vectors of a build without one; the cache holds each text once."""
    content = make_content(tmp_path / "c", 4)
    cache = tmp_path / "cache"
    with (
        caplog.at_level(logging.WARNING, logger="indexer.vector_cache"),
        ThreadPoolExecutor(4) as pool,
    ):
        reports = list(
            pool.map(
                lambda i: build_index(
                    content, tmp_path / f"ix{i}", semantic=True, vector_cache=cache
                ),
                range(4),
            )
        )
    assert all(r.embedded + r.cached == 16 for r in reports)
    assert sum(r.embedded for r in reports) >= 16  # each text by one build at least
    assert _rows(cache) == 16 and not caplog.text
    build_index(content, tmp_path / "plain", semantic=True)
    assert all(_stored(tmp_path / f"ix{i}") == _stored(tmp_path / "plain") for i in range(4))


def test_connections_opening_a_new_cache_at_once_all_open_it(tmp_path: Path) -> None:
    """Eight connections open each of 150 new cache folders at the same moment (as builds starting
    together do): every one opens it. Putting the file in WAL mode reported it locked at once to
    about 1 open in 200, without waiting, and that build embedded without the cache."""
    failures: list[str] = []

    def open_at(folder: Path, start: threading.Barrier) -> None:
        start.wait()
        try:
            vector_cache._open(folder).close()
        except sqlite3.Error as exc:
            failures.append(str(exc))

    for n in range(150):
        start = threading.Barrier(8)
        threads = [
            threading.Thread(target=open_at, args=(tmp_path / str(n), start)) for _ in range(8)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not failures, failures


def _days(cache: Path) -> dict[str, int]:
    with sqlite3.connect(cache / vector_cache.FILENAME) as db:
        return dict(db.execute("SELECT key, day FROM used"))


def test_a_build_records_its_whole_version_even_what_it_kept(tmp_path: Path) -> None:
    """A build over a live version with vectors keeps them without the cache, and still stores
    them there: a new replica's first build then embeds nothing."""
    content = make_content(tmp_path / "c", 3)
    build_index(content, tmp_path / "ix", semantic=True)
    cache = tmp_path / "cache"
    report = build_index(content, tmp_path / "ix", semantic=True, vector_cache=cache)
    assert (report.embedded, report.cached) == (0, 0) and _rows(cache) == 3 * 4
    replica = build_index(content, tmp_path / "replica", semantic=True, vector_cache=cache)
    assert (replica.embedded, replica.cached) == (0, 3 * 4)
    assert _stored(tmp_path / "replica") == _stored(tmp_path / "ix")


def test_vectors_no_build_used_for_the_keep_period_are_removed(tmp_path: Path) -> None:
    """A build removes from the cache the vectors no build has used for KEEP_DAYS (an article
    since edited away), keeps younger ones, and dates every text of its own version today."""
    cache = tmp_path / "cache"
    content = make_content(tmp_path / "c", 3)
    build_index(content, tmp_path / "ix", semantic=True, vector_cache=cache)
    other = make_content(tmp_path / "d", 1)  # the first of those articles
    build_index(other, tmp_path / "probe", semantic=True)
    today = max(_days(cache).values())
    gone, young = sorted(set(_days(cache)) - _keys(tmp_path / "probe"))[:2]
    with sqlite3.connect(cache / vector_cache.FILENAME) as db:
        db.execute("UPDATE used SET day = ? WHERE key = ?", (today - 31, gone))
        db.execute("UPDATE used SET day = ? WHERE key = ?", (today - 29, young))
    report = build_index(other, tmp_path / "other", semantic=True, vector_cache=cache)
    assert report.pruned == 1 and report.to_json()["pruned"] == 1
    days = _days(cache)
    assert gone not in days and days[young] == today - 29
    assert _rows(cache) == len(days) == 3 * 4 - 1
    assert all(days[k] == today for k in _keys(tmp_path / "other"))


def test_a_cache_made_before_use_was_dated_counts_its_vectors_as_used_now(tmp_path: Path) -> None:
    """A cache file with vectors and no dates (written by an earlier kb) is read as before, and
    its vectors are dated the day it is first opened, so none is removed as unused."""
    content = make_content(tmp_path / "c", 2)
    cache = tmp_path / "cache"
    build_index(content, tmp_path / "one", semantic=True, vector_cache=cache)
    with sqlite3.connect(cache / vector_cache.FILENAME) as db:
        db.execute("DROP TABLE used")
    report = build_index(content, tmp_path / "two", semantic=True, vector_cache=cache)
    assert (report.embedded, report.cached, report.pruned) == (0, 2 * 4, 0)
    assert len(_days(cache)) == _rows(cache) == 2 * 4


def _keys(index: Path) -> set[str]:
    live = layout.current_version(index)
    assert live is not None
    found = vectors.read(live)
    assert found is not None
    return {k for _, _, k in found[0]}


def _texts(index: Path) -> list[str]:
    """The texts a version stores vectors of, in its order."""
    live = layout.current_version(index)
    assert live is not None
    return [t for a in article_store.shared.read(live).values() for _, t in vectors.texts(a)]
