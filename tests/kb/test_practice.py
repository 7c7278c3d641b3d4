"""An index's own confidence model refined with labeled rows, whatever kb wrote the model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer import encoder, layout
from kb.engine import practice
from kb.web.service import Service
from tests.conftest import CONTENT
from tests.helpers.server import make_settings

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
