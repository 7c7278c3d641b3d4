"""An index's own confidence model refined with labeled rows, whatever kb wrote the model."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from indexer import article_store, encoder, layout, vector_cache
from kb.engine import practice
from kb.web.service import Service
from tests.conftest import CONTENT
from tests.helpers.server import make_settings
from tests.indexer.test_build import make_content

pytestmark = pytest.mark.skipif(not encoder.available(), reason="kb[semantic] is not installed")


def test_a_model_stored_without_look_alikes_is_refined_as_one_with_none(index_copy: Path) -> None:
    """A version's confidence.json from before look-alikes has no "lookalikes" key: refining it
    with labeled rows fits as if it had none, keeps its cosine scale and records the rows; one
    with look-alikes keeps them through the refit."""
    version = layout.current_version(index_copy)
    assert version is not None
    engine = Service(make_settings(index_copy, CONTENT)).searcher
    practice.fit_version(version, engine, lookalike_share=0.05)
    path = version / layout.CONFIDENCE
    fitted = json.loads(path.read_text(encoding="utf-8"))
    assert fitted["lookalikes"], "the fit found no look-alike with an answer"
    labeled = practice.load_prior()[:40]

    def refine(data: dict[str, object]) -> dict[str, object]:
        path.write_text(json.dumps(data), encoding="utf-8")
        practice.refine_version(version, labeled)
        refined: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
        return refined

    kept = refine(fitted)
    assert kept["lookalikes"] == fitted["lookalikes"] and kept["labeled_rows"] == len(labeled)
    older = refine({k: v for k, v in fitted.items() if k != "lookalikes"})
    none = refine({**fitted, "lookalikes": []})
    assert older["weights"] == none["weights"] and older["bias"] == none["bias"]
    assert older["weights"] != kept["weights"]
    assert older["cosine_scale"] == fitted["cosine_scale"] and older["labeled_rows"] == len(labeled)


def test_practice_questions_are_the_same_in_every_process(built_index: Path) -> None:
    """The practice questions, and so the fitted model, depend on the content alone: not on the
    hash seed of the process that builds (Python orders sets of words differently per process)."""
    version = layout.current_version(built_index)
    assert version is not None
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from indexer import article_store\n"
        "from kb.engine import practice\n"
        "articles = list(article_store.shared.read(Path(sys.argv[1])).values())\n"
        "print(json.dumps(practice.answerable(articles)))\n"
    )

    def asked(seed: str) -> list[list[str]]:
        done = subprocess.run(
            [sys.executable, "-c", code, str(version)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        found: list[list[str]] = json.loads(done.stdout)
        return found

    first = asked("1")
    assert len(first) > 50 and first == asked("2") == asked("3")


def test_a_build_from_nothing_fits_with_the_practice_vectors_an_earlier_build_stored(
    tmp_path: Path,
) -> None:
    """With KB_VECTOR_CACHE, a help center's first build stores its practice questions' vectors
    beside its sections'; the same content built into a new index folder adds nothing to the cache
    and gets the very same confidence model."""
    content = make_content(tmp_path / "c", 5)
    cache = tmp_path / "cache"
    models, rows = [], []
    for name in ("one", "two"):
        make_settings(tmp_path / name, content, vector_cache=cache).build_index()
        version = layout.current_version(tmp_path / name)
        assert version is not None
        models.append((version / layout.CONFIDENCE).read_bytes())
        with sqlite3.connect(cache / vector_cache.FILENAME) as db:
            rows.append(db.execute("SELECT count(*) FROM vectors").fetchone()[0])
    assert rows[0] > 5 * 4, "no practice question was stored"  # beyond cards and sections
    assert rows[1] == rows[0]
    assert models[0] == models[1]


def test_an_article_taken_away_leaves_the_others_practice_questions_as_they_were(
    built_index: Path,
) -> None:
    """Each practice question is drawn by its own text, not from one random stream: without one
    article, nearly all of the others' questions, look-alikes and negatives stay (with a stream,
    every later draw shifted: a quarter of the questions changed and no look-alike stayed, and
    one edit fitted a different confidence model for the whole help center)."""
    version = layout.current_version(built_index)
    assert version is not None
    articles = list(article_store.shared.read(version).values())

    def kept(before: list[object], after: list[object]) -> float:
        return len(set(before) & set(after)) / len(set(before))

    for gone in [a.id for a in articles][::5]:
        fewer = [a for a in articles if a.id != gone]
        before, after = practice.answerable(articles), practice.answerable(fewer)
        assert len(before) > 100
        assert kept([q for q in before if q[1] != gone], after) >= 0.95, gone
        looks = practice.lookalikes(before, 60), practice.lookalikes(after, 60)
        assert kept(*looks) >= 0.8, gone
        assert kept(practice.negatives(articles, 100), practice.negatives(fewer, 100)) >= 0.9, gone
