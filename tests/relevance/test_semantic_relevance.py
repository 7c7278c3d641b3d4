"""Relevance on a help center nobody here tuned on, by words and meaning, leave-one-corpus-out."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer import build_index, encoder, layout
from kb import evaluate
from kb.engine import practice
from kb.engine.blend import Blend
from kb.web.service import Service
from tests.conftest import CONTENT, SHARED
from tests.helpers.server import make_settings

PLAUSIBLE = SHARED / "corpora" / "plausible-docs"
LABELS = SHARED / "eval" / "plausible.jsonl"
HERE = Path(__file__).parent


@pytest.mark.slow
@pytest.mark.skipif(not encoder.available(), reason="kb[semantic] is not installed")
@pytest.mark.skipif(
    not PLAUSIBLE.exists(), reason="shared/corpora/plausible-docs is not beside the repo"
)
def test_plausible_by_meaning_with_nothing_fitted_on_its_labels(tmp_path: Path) -> None:
    """On the Plausible docs, with the blend and the confidence prior fitted without Plausible's
    labels (Hugo and the shipped help center only): hit@1 ≥ 0.87 and ≥ 1.35× plain BM25 (SQLite
    FTS5), paraphrases ≥ 0.67, ECE ≤ 0.08, off-topic fallback ≥ 0.8 with answered ≥ 0.85."""
    index = tmp_path / "index"
    build_index(PLAUSIBLE, index, semantic=True, default_channels=CONTENT / "channels.yaml")
    service = Service(make_settings(index, PLAUSIBLE))
    engine = service.searcher
    engine.cache.size = 0
    engine.blend = Blend.load(HERE / "blend-without-plausible.json")
    version = layout.current_version(index)
    assert version is not None
    practice.fit_version(
        version, engine, practice.load_prior(HERE / "prior-without-plausible.json")
    )
    # the holder opens the version at its first use, with the model just stored in it
    assert "semantic" in engine.holder.get().confidence
    rows = evaluate.load_labeled(LABELS)
    outcomes = evaluate.run(engine, rows)
    groups = evaluate.by_group(outcomes)
    snap = engine.holder.get()
    base = evaluate.metrics(evaluate.Baseline(snap).run(rows, snap, engine.lexicon))
    m = groups["all"]
    assert m["hit@1"] >= 0.87 and m["hit@1"] >= 1.35 * base["hit@1"], (m, base)
    assert groups["kind:paraphrase"]["hit@1"] >= 0.67, groups["kind:paraphrase"]
    assert m["fallback_acc"] >= 0.8 and m["answered"] >= 0.85, m
    assert evaluate.calibration(outcomes)[1] <= 0.08
