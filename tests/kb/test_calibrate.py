"""`kb calibrate`: the ranking and confidence models fitted on labeled questions, reproducibly,
and refined with the deployment's own analytics (`--from-analytics`)."""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
from pathlib import Path

import httpx
import pytest

from indexer import encoder, layout
from kb import evaluate
from kb.config import Settings
from kb.engine.confidence import FEATURES, Model
from kb.engine.search import SearchRequest
from kb.web.service import Service
from tests.analytics.service import serve_analytics
from tests.conftest import CONTENT
from tests.helpers.server import make_settings
from tests.kb.test_cli import run
from tests.kb.test_semantic import unlabeled

OWN = Path(__file__).resolve().parent.parent / "relevance" / "queries.jsonl"
semantic = pytest.mark.skipif(not encoder.available(), reason="kb[semantic] is not installed")


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


@pytest.fixture(scope="module")
def own_model_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Content other than the shipped help center, and its index with vectors and its own
    confidence model, as `kb index` builds it."""
    root = tmp_path_factory.mktemp("deployment")
    content = root / "content"
    shutil.copytree(CONTENT, content)
    unlabeled(content)
    make_settings(root / "index", content).build_index()
    return content, root / "index"


@pytest.fixture()
def deployment(own_model_index: tuple[Path, Path], tmp_path: Path) -> Settings:
    """A copy of that index for this test, with analytics in an SQLite file of its own and no
    result cache (which may answer a question with the answers of one close in meaning, where the
    question asked again gets its own)."""
    content, index = own_model_index
    shutil.copytree(index, tmp_path / "index")
    db = f"sqlite:///{tmp_path / 'analytics.db'}"
    return make_settings(tmp_path / "index", content, database_url=db, cache_size=0)


def _searcher(settings: Settings) -> evaluate.SearchEngine:
    service = Service(settings)
    service.searcher.cache.size = 0
    return service.searcher


def _confidence(engine: evaluate.SearchEngine, questions: list[str]) -> float:
    """The mean confidence of the engine's answers to the questions."""
    return statistics.mean(engine.search(SearchRequest(q=q))["confidence"] for q in questions)


def _search(http: httpx.Client, q: str) -> dict[str, object]:
    response = http.get("/search", params={"q": q})
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def _top(body: dict[str, object]) -> str:
    answers = body["answers"]
    assert isinstance(answers, list) and answers
    return str(answers[0]["article"])


def _click(http: httpx.Client, body: dict[str, object]) -> None:
    event = {"search_id": body["search_id"], "type": "answer_click", "article": _top(body)}
    assert http.post("/events", json=event).status_code == 202


def _contact(http: httpx.Client, body: dict[str, object]) -> None:
    channel = body["channel"]
    assert isinstance(channel, dict)
    event = {"search_id": body["search_id"], "type": "channel_click", "channel": channel["id"]}
    assert http.post("/events", json=event).status_code == 202


def _vote(http: httpx.Client, body: dict[str, object], helpful: bool) -> None:
    vote = {"search_id": body["search_id"], "helpful": helpful}
    assert http.post("/feedback", json=vote).status_code == 202


def _calibrate(settings: Settings, *files: str) -> subprocess.CompletedProcess[str]:
    where = ["--index", str(settings.index_dir), "--content", str(settings.content_dir)]
    return run("calibrate", *files, "--from-analytics", "--database", settings.database_url, *where)


def _own_model(settings: Settings) -> dict[str, object]:
    version = layout.current_version(settings.index_dir)
    assert version is not None
    data: dict[str, object] = json.loads((version / layout.CONFIDENCE).read_text(encoding="utf-8"))
    return data


@semantic
@pytest.mark.slow
def test_customers_clicks_and_contacts_calibrate_the_confidence(deployment: Settings) -> None:
    """Answers customers clicked or found helpful gain confidence, and more than those followed by
    a contact or a not-helpful vote, once `kb calibrate --from-analytics` refits the index's model
    on what kb's own endpoints recorded; labeled files add to the same refit."""
    engine = _searcher(deployment)
    labeled = evaluate.load_labeled(OWN)
    shown = {r.q: engine.search(SearchRequest(q=r.q, limit=1)) for r in labeled}
    # right top answers the model is least sure of; off-topic questions it is most sure of
    by_confidence = sorted(labeled, key=lambda r: float(shown[r.q]["confidence"]))
    unsure = [r.q for r in by_confidence if not r.fallback and _top(shown[r.q]) in r.articles][:25]
    off_topic = [r.q for r in by_confidence if r.fallback and shown[r.q]["answers"]][-20:]
    assert len(off_topic) == 20
    before = _confidence(engine, unsure), _confidence(engine, off_topic)

    with serve_analytics(deployment) as kb, kb.http() as http:
        for n, q in enumerate(unsure):
            body = _search(http, q)
            _vote(http, body, True) if n % 5 == 0 else _click(http, body)
        for n, q in enumerate(off_topic):
            body = _search(http, q)
            _vote(http, body, False) if n % 5 == 0 else _contact(http, body)
        _click(http, _search(http, unsure[0]))  # the same question again: still one row
        conflicting = [_search(http, "how long does a refund take") for _ in range(2)]
        _click(http, conflicting[0])
        _contact(http, conflicting[1])
        _click(http, _search(http, "where is order 12345678"))  # stored masked: left out
        assert kb.analytics.flush()

    own = _own_model(deployment)
    done = _calibrate(deployment)
    assert done.returncode == 0, done.stderr
    assert (
        "from analytics: 45 questions judged by customers (25 right, 20 wrong); left out: 1 with "
        "masked data, 0 whose top answer no search judged, 1 agreeing below 75%"
    ) in " ".join(done.stderr.split())
    refined = _own_model(deployment)
    assert refined["labeled_rows"] == 45 and refined["cosine_scale"] == own["cosine_scale"]
    after = _searcher(deployment)
    now = _confidence(after, unsure), _confidence(after, off_topic)
    assert now[0] > before[0], (now, before)
    assert now[0] - now[1] > before[0] - before[1], (now, before)  # told further apart

    both = _calibrate(deployment, str(OWN))
    assert both.returncode == 0, both.stderr
    assert _own_model(deployment)["labeled_rows"] == len(evaluate.top_rows(engine, labeled)) + 45


@semantic
@pytest.mark.slow
def test_too_little_analytics_is_refused_in_one_line(deployment: Settings) -> None:
    """With fewer judged questions than the documented minimum `kb calibrate --from-analytics`
    exits 1 with one line giving the counts and the rule, and leaves the model as it was."""
    with serve_analytics(deployment) as kb, kb.http() as http:
        for q in ("how do I cancel my order", "charged twice", "my parcel never arrived"):
            _click(http, _search(http, q))
        _contact(http, _search(http, "can you book me a flight to Paris"))
        assert kb.analytics.flush()
    own = _own_model(deployment)
    done = _calibrate(deployment)
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("error: not enough analytics to calibrate on: 4 questions judged")
    assert "at least 40 are needed, 10 right and 10 wrong" in done.stderr
    assert _own_model(deployment) == own


def test_from_analytics_without_an_own_model_or_anything_to_fit_on_is_refused(
    default_settings: Settings, tmp_path: Path
) -> None:
    """`kb calibrate` with neither files nor --from-analytics, or --from-analytics on an index
    without a confidence model of its own, exits 1 with one line and writes nothing."""
    where = ["--index", str(default_settings.index_dir), "--content", str(CONTENT)]
    shipped = tmp_path / "calibration.json"
    nothing = run("calibrate", *where, "-o", str(shipped))
    assert nothing.returncode == 1 and nothing.stderr.startswith("error: give labeled query files")
    db = f"sqlite:///{tmp_path / 'analytics.db'}"
    words = run("calibrate", "--from-analytics", "--database", db, *where, "-o", str(shipped))
    assert words.returncode == 1 and words.stderr.count("\n") == 1, words.stderr
    assert words.stderr.startswith(
        "error: --from-analytics refines the live index version's own confidence model"
    )
    assert "kb[semantic]" in words.stderr and not shipped.exists()


def test_the_help_states_the_documented_minimum() -> None:
    """`kb calibrate --help` names the minimum amount of analytics and the agreement level the
    labels module enforces."""
    from kb.analytics.labels import AGREEMENT, MIN_EACH, MIN_QUESTIONS

    shown = " ".join(run("calibrate", "--help").stdout.replace("│", " ").split())
    assert (
        f"at least {MIN_QUESTIONS} such questions, {MIN_EACH} right and {MIN_EACH} wrong" in shown
    )
    assert f"agreeing at {AGREEMENT:.0%} or more" in shown
