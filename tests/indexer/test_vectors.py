"""Section vectors stored with each index version, embedded once per text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from indexer import build_index, encoder, layout, vectors
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


def _article(index: Path, article_id: str):  # type: ignore[no-untyped-def]
    from indexer import article_store

    return article_store.shared.read(_live(index))[article_id]
