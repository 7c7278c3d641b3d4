"""The semantic path: which path answers, and the words path unchanged beside it."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from indexer import build_index, encoder, layout, vectors
from kb import evaluate
from kb.engine import practice
from kb.engine.search import SearchEngine, SearchRequest
from kb.engine.semantic import QueryEncoder, SectionVectors
from kb.web.service import Service
from tests.conftest import CONTENT
from tests.helpers.server import make_settings

pytestmark = pytest.mark.skipif(not encoder.available(), reason="kb[semantic] is not installed")
OWN = Path(__file__).parent.parent / "relevance" / "queries.jsonl"


@pytest.fixture(scope="module")
def semantic_index(tmp_path_factory: pytest.TempPathFactory, built_index: Path) -> Path:
    """The shipped help center indexed with vectors and its own confidence model."""
    index = tmp_path_factory.mktemp("semantic") / "index"
    shutil.copytree(built_index, index)  # `kb index`'s build: with vectors, the shipped model
    version = layout.current_version(index)
    assert version is not None
    assert practice.fit_version(version, _engine(index)) is not None
    return index


def _engine(index: Path, **settings: object) -> SearchEngine:
    service = Service(make_settings(index, CONTENT, **settings))
    service.searcher.cache.size = 0
    return service.searcher


def test_semantic_off_answers_as_the_words_path(semantic_index: Path, default_index: Path) -> None:
    """With semantic off, a version with vectors and its own confidence model answers every labeled
    question exactly as a version built without them."""
    off = _engine(semantic_index)
    off.semantic = False
    plain = _engine(default_index)
    assert off.mode(off.holder.get()) == plain.mode(plain.holder.get()) == "words"
    for row in evaluate.load_labeled(OWN)[:60]:
        mine, theirs = off.search(SearchRequest(q=row.q)), plain.search(SearchRequest(q=row.q))
        for body in (mine, theirs):
            body.pop("index_version")
        assert mine == theirs, row.q


def test_the_semantic_path_answers_where_the_version_has_vectors(semantic_index: Path) -> None:
    """On a version with vectors the engine says it answers by meaning too, the version carries
    its own confidence model and cosine scale, and answers carry the cosine as a signal."""
    engine = _engine(semantic_index)
    snap = engine.holder.get()
    assert engine.mode(snap) == "semantic" and "semantic" in snap.confidence
    low, high = snap.cosine_scale
    assert 0.0 < low < high < 1.0
    body = engine.search(SearchRequest(q="my parcel never showed up", explain=True))
    top = body["answers"][0]
    assert top["article"] == "delayed-or-lost-package" and top["signals"]["cosine"] > 0.5
    m = evaluate.metrics(evaluate.run(engine, evaluate.load_labeled(OWN)))
    assert m["hit@1"] >= 0.94 and m["fallback_acc"] >= 0.9, m


def test_a_question_with_no_word_to_search_is_answered_by_neither_path(
    semantic_index: Path,
) -> None:
    """Greetings, thanks and punctuation alone hold no word to search: by meaning as by words they
    get no answer and the hand-over, not the article closest in meaning to "hello"."""
    engine = _engine(semantic_index)
    assert engine.mode(engine.holder.get()) == "semantic"
    for q in ("hello", "thanks!", "hi there", "what is this", "?"):
        body = engine.search(SearchRequest(q=q))
        assert body["answers"] == [] and body["fallback"] and body["confidence"] == 0.0, q
    # a question whose words the content does not have is still answered by meaning
    body = engine.search(SearchRequest(q="my parcel never showed up"))
    assert body["answers"] and body["answers"][0]["article"] == "delayed-or-lost-package"


def test_courtesy_is_not_embedded_with_the_question(semantic_index: Path) -> None:
    """By meaning as by words, a greeting and a signature around a question leave its answers and
    confidence as they are: the question is embedded without them."""
    engine = _engine(semantic_index)
    plain = engine.search(SearchRequest(q="My parcel never showed up.", explain=True))
    wrapped = engine.search(
        SearchRequest(
            q="Hello there! My parcel never showed up. Kind regards, Tom Baker", explain=True
        )
    )
    assert [a["article"] for a in wrapped["answers"]] == [a["article"] for a in plain["answers"]]
    assert wrapped["answers"][0]["signals"]["cosine"] == plain["answers"][0]["signals"]["cosine"]
    assert wrapped["confidence"] == plain["confidence"]


def test_emoji_are_not_embedded_with_the_question(semantic_index: Path) -> None:
    """Emoji are no words to the model (each an unknown token): a question with them has the
    vector, answers and confidence of the question without them."""
    engine = _engine(semantic_index)
    plain = engine.search(SearchRequest(q="my parcel never showed up", explain=True))
    angry = engine.search(SearchRequest(q="my parcel never showed up 😡😡 👎🏽", explain=True))
    assert [a["article"] for a in angry["answers"]] == [a["article"] for a in plain["answers"]]
    assert angry["answers"][0]["signals"]["cosine"] == plain["answers"][0]["signals"]["cosine"]
    assert angry["confidence"] == plain["confidence"]


def test_the_8bit_products_are_made_only_for_a_version_searched_by_meaning(
    semantic_index: Path,
) -> None:
    """A worker with KB_SEMANTIC=off opens a version with vectors without making their 8-bit
    products (an onnxruntime session); one searching by meaning makes them as it readies the
    version, before its first question."""
    off = Service(make_settings(semantic_index, CONTENT, semantic=False))
    snap = off.holder.get()
    assert snap.semantic is not None and "products" not in vars(snap.semantic)
    off.engine.prepare(snap)
    assert "products" not in vars(snap.semantic)
    on = Service(make_settings(semantic_index, CONTENT))
    snap = on.holder.get()
    assert snap.semantic is not None and "products" in vars(snap.semantic)


def test_each_articles_cosine_is_that_of_its_best_row_the_first_of_equals() -> None:
    """Over several articles at once, each gets the cosine and anchor of its best row (of equal
    rows, the first), and an article with no rows gets 0.0 and the card's anchor wherever it
    stands in the list, first or last."""
    matrix = np.array([[1, 0], [0.6, 0.8], [0.6, 0.8], [0, 1], [0.8, 0.6]], dtype=np.float32)
    found = SectionVectors(
        matrix=matrix,
        articles=["a", "a", "a", "b", "b"],
        anchors=[vectors.CARD, "s1", "s2", vectors.CARD, "t1"],
        rows_of={"a": np.array([0, 1, 2]), "b": np.array([3, 4])},
    )
    query = np.array([0.6, 0.8], dtype=np.float32)
    got = found.cosines(query, ["missing", "a", "b", "missing", "a"])
    assert [anchor for _, anchor in got] == [vectors.CARD, "s1", "t1", vectors.CARD, "s1"]
    assert [cosine for cosine, _ in got] == pytest.approx([0.0, 1.0, 0.96, 0.0, 1.0])
    assert found.cosines(query, ["missing"]) == [(0.0, vectors.CARD)]
    assert found.cosines(query, []) == []


def test_the_nearest_articles_are_those_of_the_float_cosines(semantic_index: Path) -> None:
    """Rows chosen by 8-bit products and ordered by float32 cosines give the articles an exact
    float32 scan of every row gives, in its order, for each labeled question."""
    engine = _engine(semantic_index)
    vectors = engine.holder.get().semantic
    assert vectors is not None
    for row in evaluate.load_labeled(OWN):
        query = engine.query_vectors(row.q)
        cosines = vectors.matrix @ query
        exact: list[str] = []
        for i in np.argsort(-cosines, kind="stable")[:40].tolist():
            if vectors.articles[i] not in exact:
                exact.append(vectors.articles[i])
        assert vectors.nearest(query, 10) == exact[:10], row.q


def test_a_small_edit_keeps_the_confidence_model_and_a_full_build_refits(
    content_copy: Path, index_copy: Path, vector_cache: Path
) -> None:
    """An incremental build that changes one article in sixteen keeps the live version's own
    confidence model; a full build fits it again; a full build of unchanged content keeps it, and
    fitting it again gives the same model."""
    index = index_copy  # the shipped help center as `kb index` builds it: its vectors are reused
    unlabeled(content_copy)

    def prepare(version: Path) -> None:
        practice.prepare_version(
            version, index, semantic=True, language="en", vector_cache=vector_cache
        )

    build_index(content_copy, index, semantic=True, before_publish=prepare)
    first = (_live(index) / layout.CONFIDENCE).read_text(encoding="utf-8")
    page = content_copy / "track-your-order.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    edited = build_index(content_copy, index, incremental=True, before_publish=prepare)
    assert edited.incremental and edited.embedded == 1
    assert (_live(index) / layout.CONFIDENCE).read_text(encoding="utf-8") == first
    build_index(content_copy, index, before_publish=prepare)
    refit = (_live(index) / layout.CONFIDENCE).read_text(encoding="utf-8")
    assert refit != first  # the look-alikes come from the edited article too
    stored = json.loads(refit)
    assert stored["inputs"] == practice.fit_inputs(_live(index), "en")
    # A mark in the live model shows whether the next version copied it or fitted its own.
    (_live(index) / layout.CONFIDENCE).write_text(json.dumps({**stored, "mark": 1}), "utf-8")
    build_index(content_copy, index, before_publish=prepare)
    kept = json.loads((_live(index) / layout.CONFIDENCE).read_text(encoding="utf-8"))
    assert kept == {**stored, "mark": 1}
    # Without the record of its inputs the live model is not kept: fitted again, the same weights.
    del stored["inputs"]
    (_live(index) / layout.CONFIDENCE).write_text(json.dumps({**stored, "mark": 1}), "utf-8")
    build_index(content_copy, index, before_publish=prepare)
    again = json.loads((_live(index) / layout.CONFIDENCE).read_text(encoding="utf-8"))
    assert "mark" not in again and again["weights"] == stored["weights"]


def unlabeled(content: Path) -> None:
    """Make a copy of the shipped help center other content: one article gains a section."""
    page = content / "help-pages.md"
    page.write_text(
        page.read_text(encoding="utf-8") + "\n## One more section\n\nMore help.\n", encoding="utf-8"
    )


def _live(index: Path) -> Path:
    version = layout.current_version(index)
    assert version is not None
    return version


def test_kb_index_then_calibrate_refines_the_versions_own_model(
    tmp_path: Path, built_index: Path
) -> None:
    """`kb index` gives a version vectors and its own confidence model; `kb calibrate FILE` then
    refits that model with the labeled questions, keeping the cosine scale, and writes nothing to
    the shipped calibration file."""
    from tests.kb.test_cli import run

    index = tmp_path / "ix"
    shutil.copytree(built_index, index)  # `kb index` builds over it, reusing its vectors
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    unlabeled(content)
    built = run("index", "--content", str(content), "--index", str(index))
    assert built.returncode == 0, built.stderr
    own = json.loads((_live(index) / layout.CONFIDENCE).read_text(encoding="utf-8"))
    shipped = tmp_path / "calibration.json"
    done = run(
        "calibrate", str(OWN), "--index", str(index), "--content", str(content), "-o", str(shipped)
    )
    assert done.returncode == 0, done.stderr
    refined = json.loads((_live(index) / layout.CONFIDENCE).read_text(encoding="utf-8"))
    assert refined["cosine_scale"] == own["cosine_scale"] and refined["labeled_rows"] > 150
    assert refined["weights"] != own["weights"] and not shipped.exists()


def test_content_the_shipped_model_was_labeled_on_keeps_it(
    tmp_path: Path, index_copy: Path, vector_cache: Path
) -> None:
    """The shipped help center keeps the confidence model fitted on its labeled questions; the same
    content with one article changed is other content and gets a model of its own."""
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    shipped = index_copy  # the shipped help center as `kb index` builds it
    version = layout.current_version(shipped)
    assert version is not None and (version / vectors.ROWS).exists()
    practice.prepare_version(version, shipped, semantic=True, language="en")
    assert not (version / layout.CONFIDENCE).exists()
    unlabeled(content)
    other = tmp_path / "other"
    shutil.copytree(shipped, other)  # a build over the shipped version reuses its vectors
    build_index(content, other, semantic=True)
    version = layout.current_version(other)
    assert version is not None
    practice.prepare_version(
        version, other, semantic=True, language="en", vector_cache=vector_cache
    )
    assert (version / layout.CONFIDENCE).exists()


def test_questions_remembered_in_batches_have_the_vectors_they_have_alone() -> None:
    """Questions embedded ahead in batches, as a confidence fit does, are answered with the very
    vector each gets when it is asked alone (case and spacing folded as a search folds them)."""
    questions = [f"how do I {w} my order" for w in ("track", "cancel", "return")]
    questions += ["refund", "Where is   my PARCEL", "cancel subscription for my netflix"] * 7
    ahead = QueryEncoder()
    ahead.remember(questions)
    for q in questions:
        assert np.array_equal(ahead(q), QueryEncoder()(q)), q


def test_lookalikes_apply_the_contents_tasks_to_another_subject() -> None:
    """Look-alikes keep a task of the content's own and add a subject from elsewhere."""
    tasks = [("Reset your password", "a"), ("Track an order", "b"), ("Refunds", "c")]
    made = practice.lookalikes(tasks, 5)
    assert len(made) == 2  # a one-word title names no task
    for q in made:
        assert any(q.startswith(t.lower()) for t, _ in tasks[:2])
        assert any(q.endswith(x) for x in practice.ELSEWHERE)


def test_look_alikes_lower_the_confidence_of_tasks_about_other_products(index_copy: Path) -> None:
    """Fitted with look-alikes, questions that put the content's tasks to another product get less
    confidence than fitted without them, while the content's own tasks stay answered."""
    index = index_copy  # the shipped help center with vectors, as `kb index` builds it
    assert (_live(index) / vectors.ROWS).exists()
    elsewhere = [
        "how do I reset the password of my instagram account",
        "update the billing address of my gym membership",
        "cancel my train ticket and get a refund",
    ]
    own = ["how do I reset my password", "update my billing address", "cancel my order"]

    def confidences(share: float) -> tuple[list[float], list[bool]]:
        version = _live(index)
        practice.fit_version(version, _engine(index), lookalike_share=share)
        engine = _engine(index)
        data = json.loads((version / layout.CONFIDENCE).read_text(encoding="utf-8"))
        assert (data["lookalike_rows"] > 0) == (share > 0)
        other = [engine.search(SearchRequest(q=q))["confidence"] for q in elsewhere]
        return other, [not engine.search(SearchRequest(q=q))["fallback"] for q in own]

    without, answered_without = confidences(0.0)
    with_them, answered = confidences(practice.LOOKALIKE_SHARE)
    assert sum(with_them) < sum(without), (with_them, without)
    assert all(answered) and all(answered_without)


def _damaged_live_model(
    content: Path, index: Path, vector_cache: Path
) -> tuple[Callable[[Path], None], dict[str, Any]]:
    """Build `content` (made unlabeled) with its own confidence model, then damage the live file:
    the build step that fits or keeps models, and the model the build fitted."""
    unlabeled(content)

    def prepare(version: Path) -> None:
        practice.prepare_version(
            version, index, semantic=True, language="en", vector_cache=vector_cache
        )

    build_index(content, index, semantic=True, before_publish=prepare)
    fitted = json.loads((_live(index) / layout.CONFIDENCE).read_text(encoding="utf-8"))
    (_live(index) / layout.CONFIDENCE).write_text('{"inputs": ', encoding="utf-8")
    return prepare, fitted


def test_a_damaged_live_confidence_model_is_fitted_again_not_copied(
    content_copy: Path, index_copy: Path, vector_cache: Path
) -> None:
    """A full rebuild whose live version's confidence model cannot be read (a torn write, a disk
    error) fits the new version's own instead of failing or keeping the damaged file."""
    prepare, fitted = _damaged_live_model(content_copy, index_copy, vector_cache)
    build_index(content_copy, index_copy, before_publish=prepare)
    again = json.loads((_live(index_copy) / layout.CONFIDENCE).read_text(encoding="utf-8"))
    assert again["weights"] == fitted["weights"] and again["inputs"] == fitted["inputs"]


def test_a_small_edit_over_a_damaged_live_model_fits_a_readable_one(
    content_copy: Path, index_copy: Path, vector_cache: Path
) -> None:
    """An incremental build of one changed article, which keeps the live confidence model when it
    can be read, fits a new one when the live file is damaged instead of carrying the damage."""
    index = index_copy
    prepare, _ = _damaged_live_model(content_copy, index, vector_cache)
    article = content_copy / "cancel-an-order.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nOrders ship within a day.\n")
    build_index(content_copy, index, incremental=True, before_publish=prepare)
    manifest = json.loads((_live(index) / layout.MANIFEST).read_text(encoding="utf-8"))
    assert manifest["incremental"] and manifest["changed"] == 1
    refit = json.loads((_live(index) / layout.CONFIDENCE).read_text(encoding="utf-8"))
    assert refit["weights"] and refit["inputs"] == practice.fit_inputs(_live(index), "en")


STORE_FAQ = """---
title: Store FAQ
topic: orders
---
# Store FAQ

**Which payment cards do you take?**

We take Visa, Mastercard and American Express, as well as debit cards issued by most banks. A card
is charged when the order ships, not when it is placed, and the charge shows under the store's name.

**Can I order as a guest?**

Yes. Choose Continue as guest at checkout and give an email address for the order confirmation and
the tracking link. You can create an account later and the order will be added to it.

**Do you gift wrap?**

Gift wrap can be added to most items at checkout for a small fee, with a printed message of up to
200 characters. Prices are never shown on the packing slip of an order marked as a gift.

**Can I pick up my order in a store?**

Yes: choose Click and Collect at checkout and the store nearest to you. We send a text message when
the parcel is ready; bring the message and a photo ID, and collect it within seven days.
"""


def test_each_faq_question_is_a_result_with_its_own_deep_link(
    content_copy: Path, tmp_path: Path
) -> None:
    """An FAQ page of bold questions is searched question by question: a question about its last
    answer (past the words the sentence model reads of a section) finds that answer's section."""
    (content_copy / "store-faq.md").write_text(STORE_FAQ, encoding="utf-8")
    index = tmp_path / "faq-index"
    build_index(content_copy, index, semantic=True)
    body = _engine(index).search(SearchRequest(q="can I collect my parcel from a shop near me"))
    top = body["answers"][0]
    assert (top["article"], top["section"]) == ("store-faq", "can-i-pick-up-my-order-in-a-store")
    assert top["url"] == "/articles/store-faq#can-i-pick-up-my-order-in-a-store"
    assert top["heading"] == "Store FAQ › Can I pick up my order in a store?"
