"""`kb calibrate`: the ranking and confidence models fitted on labeled questions, reproducibly."""

from __future__ import annotations

import json
from pathlib import Path

from kb import evaluate
from kb.config import Settings
from kb.engine.confidence import FEATURES, Model
from kb.web.service import Service

OWN = Path(__file__).resolve().parent.parent / "relevance" / "queries.jsonl"


def _engine(settings: Settings, model: Model) -> evaluate.SearchEngine:
    service = Service(settings)
    service.searcher.cache.size = 0
    service.searcher.model = model
    return service.searcher


def test_calibration_does_not_depend_on_the_model_it_starts_from(
    default_settings: Settings,
) -> None:
    """Fitting from the shipped model and from a blank one gives the same ranking and confidence
    models: each fit sees data its own result cannot change."""
    rows = evaluate.load_labeled(OWN)
    shipped, _ = evaluate.calibrate(_engine(default_settings, Model.load()), rows)
    blank = Model(weights=dict.fromkeys(FEATURES, 0.0), bias=0.0)
    fresh, data = evaluate.calibrate(_engine(default_settings, blank), rows)
    assert json.dumps(shipped.to_json()) == json.dumps(fresh.to_json())
    assert fresh.ranking is not None and "margin" not in fresh.ranking.weights
    assert 0 < len(data) <= len(rows)  # the confidence model sees one (top) answer per question


def test_a_saved_model_loads_with_its_ranking_model(tmp_path: Path) -> None:
    """calibration.json round-trips both models; a file without a ranking model ranks with the
    confidence model."""
    ranking = Model(weights={"coverage": 2.0}, bias=-1.0)
    model = Model(weights={"coverage": 1.0, "margin": 0.5}, bias=0.5, ranking=ranking)
    model.save(tmp_path / "m.json", {"rows": 3})
    loaded = Model.load(tmp_path / "m.json")
    assert loaded == model
    signals = {"coverage": 1.0, "margin": 1.0}
    assert loaded.rank_logit(signals) == ranking.logit(signals) == 1.0
    plain = Model(weights={"coverage": 1.0, "margin": 0.5}, bias=0.5)
    assert plain.rank_logit(signals) == 1.5  # the margin is held at 0 when ranking
