"""Labeled questions from the analytics store (kb.analytics.labels), on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from kb.analytics.labels import (
    MIN_EACH,
    MIN_QUESTIONS,
    Calibration,
    JudgedQuestion,
    NotEnoughLabelsError,
    calibration_rows,
    judged_questions,
)
from kb.analytics.privacy import mask, normalize
from kb.analytics.store import EventRecord, FeedbackRecord, SearchRecord, Store, utcnow
from kb.config import Settings
from kb.engine.search import SearchEngine
from kb.web.service import Service

_ids = itertools.count(1)


def searched(
    store: Store,
    query: str,
    answers: list[str],
    *,
    endpoint: str = "/search",
    internal: bool = False,
) -> str:
    """Write one search as the writer stores it (masked, normalised); its search id."""
    sid = f"{next(_ids):032x}"
    masked = mask(query)
    store.write(
        [
            SearchRecord(
                sid, utcnow(), masked, normalize(masked), endpoint, internal, answers,
                0.8, False, "chat", 2.0, len(answers),
            )
        ]
    )  # fmt: skip
    return sid


def clicked(store: Store, sid: str, article: str) -> None:
    store.write([EventRecord(sid, "answer_click", utcnow(), article=article)])


def contacted(store: Store, sid: str) -> None:
    store.write([EventRecord(sid, "channel_click", utcnow(), channel="chat")])


def voted(store: Store, sid: str, helpful: bool, article: str | None = None) -> None:
    store.write([FeedbackRecord(sid, helpful, utcnow(), article=article)])


def by_norm(store: Store) -> dict[str, JudgedQuestion]:
    questions, _ = judged_questions(store)
    return {q.norm: q for q in questions}


SHOWN = ["cancel-an-order", "returns-and-refunds", "contact-chat"]


def test_what_followed_a_search_judges_its_answers(store: Store) -> None:
    """A click with no contact or a helpful vote marks an article right; a contact with no helpful
    vote marks the top answer wrong, and so does a not-helpful vote (on the article it names)."""
    clicked(store, searched(store, "q click", SHOWN), "returns-and-refunds")
    sid = searched(store, "q click then contact", SHOWN)
    clicked(store, sid, "returns-and-refunds")
    contacted(store, sid)
    sid = searched(store, "q helpful then contact", SHOWN)
    voted(store, sid, True, "contact-chat")
    contacted(store, sid)
    voted(store, searched(store, "q unhelpful", SHOWN), False)
    voted(store, searched(store, "q unhelpful second", SHOWN), False, "returns-and-refunds")
    sid = searched(store, "q clicked but unhelpful", SHOWN)
    clicked(store, sid, "contact-chat")
    voted(store, sid, False, "contact-chat")
    found = by_norm(store)
    assert found["q click"].right == {"returns-and-refunds": 1} and not found["q click"].wrong
    assert found["q click then contact"].wrong == {"cancel-an-order": 1}
    assert not found["q click then contact"].right
    assert found["q helpful then contact"].right == {"contact-chat": 1}
    assert not found["q helpful then contact"].wrong
    assert found["q unhelpful"].wrong == {"cancel-an-order": 1}
    assert found["q unhelpful second"].wrong == {"returns-and-refunds": 1}
    assert found["q clicked but unhelpful"].wrong == {"contact-chat": 1}
    assert not found["q clicked but unhelpful"].right


def test_searches_are_pooled_per_normalised_query_and_judged_by_agreement(store: Store) -> None:
    """Spellings of one question pool into one, asked again as its most frequent spelling; an
    article's verdict needs three in four of the searches that judged it to agree."""
    for text in ("Cancel my order!", "cancel my order", "cancel my order"):
        clicked(store, searched(store, text, SHOWN), "cancel-an-order")
    contacted(store, searched(store, "CANCEL my order?", SHOWN))
    for _ in range(2):
        clicked(store, searched(store, "refund status", SHOWN), "cancel-an-order")
    contacted(store, searched(store, "refund status", SHOWN))
    (cancel,) = [q for q in judged_questions(store)[0] if q.norm == "cancel my order"]
    assert cancel.query == "cancel my order" and cancel.spellings.total() == 4
    assert cancel.right["cancel-an-order"] == 3 and cancel.wrong["cancel-an-order"] == 1
    assert cancel.verdict("cancel-an-order") is True  # 3 of 4 agree
    assert by_norm(store)["refund status"].verdict("cancel-an-order") is None  # 2 of 3
    assert cancel.verdict("contact-chat") is None  # never judged


def test_agents_tickets_masked_text_and_unshown_articles_are_left_out(store: Store) -> None:
    """Agents' searches, /deflect tickets and clicks on articles a search did not show judge
    nothing; a question whose stored text holds masked data is counted out, not asked again."""
    clicked(store, searched(store, "agent question", SHOWN, internal=True), "cancel-an-order")
    contacted(store, searched(store, "a long ticket text", SHOWN, endpoint="/deflect"))
    clicked(store, searched(store, "unshown", SHOWN), "account-security")
    voted(store, searched(store, "unshown vote", SHOWN), True, "account-security")
    clicked(store, searched(store, "where is order 12345678", SHOWN), "cancel-an-order")
    contacted(store, searched(store, "mail me at jo@example.com", SHOWN))
    questions, masked = judged_questions(store)
    assert questions == [] and masked == 2


@pytest.fixture(scope="module")
def engine(default_settings: Settings) -> Iterator[SearchEngine]:
    """The shipped help center's engine, uncached."""
    service = Service(default_settings)
    service.searcher.cache.size = 0
    yield service.searcher


def test_a_row_is_the_live_top_answer_labeled_by_its_judgements(
    store: Store, engine: SearchEngine
) -> None:
    """Each question asked again gives its live top answer's signals with the customers' verdict on
    that article; a question whose live top answer no search judged, or judged without agreement,
    gives none."""
    clicked(store, searched(store, "how do I cancel my order", SHOWN), "cancel-an-order")
    contacted(store, searched(store, "charged twice", ["billing-and-payments"]))
    clicked(store, searched(store, "reset my password", SHOWN), "cancel-an-order")
    sid = searched(store, "where is my refund", ["returns-and-refunds"])
    voted(store, sid, True)
    voted(store, searched(store, "where is my refund", ["returns-and-refunds"]), False)
    calibration = calibration_rows(engine, *judged_questions(store))
    assert [ok for _, ok in calibration.rows] == [False, True]  # charged…, how do I… (by query)
    assert all("coverage" in signals for signals, _ in calibration.rows)
    assert (calibration.judged, calibration.unjudged, calibration.conflicting) == (4, 1, 1)


def test_too_few_judged_questions_are_refused() -> None:
    """Fewer than MIN_QUESTIONS rows, or fewer than MIN_EACH right or wrong, is refused with the
    counts and the rule; enough of both is taken."""
    signals = {"coverage": 1.0}
    few = Calibration([(signals, True)] * 3, judged=5, masked=1, unjudged=1, conflicting=1)
    with pytest.raises(
        NotEnoughLabelsError, match=f"3 questions judged .* at least {MIN_QUESTIONS}"
    ):
        few.check()
    right = MIN_QUESTIONS - MIN_EACH + 1
    lopsided = [(signals, True)] * right + [(signals, False)] * (MIN_EACH - 1)
    one_sided = Calibration(lopsided, judged=MIN_QUESTIONS, masked=0, unjudged=0, conflicting=0)
    with pytest.raises(NotEnoughLabelsError, match=f"{MIN_EACH - 1} wrong"):
        one_sided.check()
    one_sided.rows.append((signals, False))
    one_sided.check()
