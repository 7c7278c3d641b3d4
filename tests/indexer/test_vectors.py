"""Section vectors stored with each index version, embedded once per text."""

from __future__ import annotations

import multiprocessing
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from indexer import build_index, encoder, layout, vectors
from indexer.parallel import EMBED_MIN
from kb.errors import BuildError
from tests.conftest import CONTENT
from tests.helpers.kill import killing_a_worker
from tests.indexer.test_build import article, make_content

pytestmark = pytest.mark.skipif(not encoder.available(), reason="kb[semantic] is not installed")


def _live(index: Path) -> Path:
    live = layout.current_version(index)
    assert live is not None
    return live


def test_incremental_build_embeds_only_changed_sections(tmp_path: Path) -> None:
    """An edited article's changed sections are embedded again, nothing else; a full rebuild of
    unchanged content embeds nothing, and every vector equals one embedded afresh."""
    content = make_content(tmp_path / "c", 4)
    first = build_index(content, tmp_path / "index", semantic=True)
    assert first.embedded == 4 * 4  # each article's card and three sections
    (content / "a2.md").write_text(article(2, extra="zebra"), encoding="utf-8")  # two sections
    (content / "a3.md").unlink()
    edited = build_index(content, tmp_path / "index", incremental=True, semantic=True)
    assert edited.embedded == 2
    again = build_index(content, tmp_path / "index", semantic=True)
    assert again.embedded == 0 and not again.incremental
    found = vectors.read(_live(tmp_path / "index"))
    assert found is not None
    rows, stored = found
    assert {a for a, _, _ in rows} == {"art-0", "art-1", "art-2"}
    snap_texts = dict(vectors.texts(_article(tmp_path / "index", "art-2")))
    fresh = encoder.shared_encoder().embed(list(snap_texts.values()))
    mine = [i for i, (a, _, _) in enumerate(rows) if a == "art-2"]
    assert np.allclose(stored[mine], fresh, atol=1e-5)


def test_a_build_keeps_vectors_where_the_live_version_has_them(tmp_path: Path) -> None:
    """A build not told about vectors stores them when the live version has them, and not when
    it has none (so every path of rebuilding keeps the live version's choice)."""
    content = make_content(tmp_path / "c", 2)
    build_index(content, tmp_path / "plain")
    assert not (_live(tmp_path / "plain") / vectors.ROWS).exists()
    build_index(content, tmp_path / "index", semantic=True)
    (content / "a1.md").write_text(article(1, extra="zebra"), encoding="utf-8")
    report = build_index(content, tmp_path / "index", incremental=True)
    assert report.embedded == 2 and vectors.read(_live(tmp_path / "index")) is not None


@pytest.mark.slow
@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="workers embed only with two CPUs or more")
def test_vectors_embedded_by_workers_are_those_embedded_in_the_build_process(
    tmp_path: Path,
) -> None:
    """A build with many texts to embed has worker processes embed them (the build process never
    loads the model), and its vectors are byte for byte those of builds that embedded the same
    texts a few at a time in the build process."""
    encoder.shared_encoder.cache_clear()
    parallel = build_index(CONTENT, tmp_path / "parallel", semantic=True)
    assert parallel.embedded >= EMBED_MIN
    assert encoder.shared_encoder.cache_info().currsize == 0

    # The same articles in two builds of fewer than EMBED_MIN texts each: embedded in this process.
    files = sorted(CONTENT.glob("*.md"))
    content = tmp_path / "content"
    content.mkdir()
    shutil.copyfile(CONTENT / "channels.yaml", content / "channels.yaml")
    for path in files[: len(files) // 2]:
        shutil.copyfile(path, content / path.name)
    first = build_index(content, tmp_path / "serial", semantic=True)
    for path in files[len(files) // 2 :]:
        shutil.copyfile(path, content / path.name)
    second = build_index(content, tmp_path / "serial", incremental=True, semantic=True)
    assert 0 < first.embedded < EMBED_MIN and 0 < second.embedded < EMBED_MIN
    assert first.embedded + second.embedded == parallel.embedded
    assert encoder.shared_encoder.cache_info().currsize == 1

    one, two = _live(tmp_path / "parallel"), _live(tmp_path / "serial")
    for name in (vectors.ROWS, vectors.VECTORS):
        assert (one / name).read_bytes() == (two / name).read_bytes(), name


def test_an_embedding_worker_killed_mid_build_fails_the_build(tmp_path: Path) -> None:
    """An embedding worker process killed mid-build (by the OOM killer, say) fails the build with a
    reason, publishes nothing and leaves no worker behind; the previous version stays live."""
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    words = build_index(content, tmp_path / "index")
    others = set(multiprocessing.active_children())
    with (
        killing_a_worker(lambda child: child not in others) as killed,
        pytest.raises(BuildError, match="embedding worker process died"),
    ):
        build_index(content, tmp_path / "index", semantic=True)
    assert killed
    assert _live(tmp_path / "index").name == words.version
    assert not list((tmp_path / "index").glob(".build-*"))
    assert set(multiprocessing.active_children()) <= others


def _article(index: Path, article_id: str):  # type: ignore[no-untyped-def]
    from indexer import article_store

    return article_store.shared.read(_live(index))[article_id]
