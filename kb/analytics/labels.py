"""Labeled questions from the deployment's own analytics, for `kb calibrate --from-analytics`.

A search tells how its answers did through what followed it (`kb.analytics.store`), each search
judging an article at most once:

    right   an article voted helpful; an answer clicked in a search that no contact
            (channel_click) followed, unless that article was voted not helpful
    wrong   an article voted not helpful (an unnamed vote is about the top answer), unless it was
            voted helpful too; the top answer of a search followed by a contact with no helpful vote

A contact says the answers shown did not do, not that no article could: marking the question one to
fall back on would hold that against any article that answers it later, so the wrong label is the
shown top answer's alone. Only customers' `/search` searches count: agents' (internal) searches
neither contact support nor see what customers see, and a `/deflect` text is a ticket, cut to its
beginning when stored. Clicks and votes count only for an article the search showed.

The searches are pooled per normalised query (`query_norm`: lower-cased words), and each question
gives at most one labeled row, whatever its number of searches: kb keeps no user id, so this is
what stops one person's repeated searches from outweighing other questions. The row is the live
index's top answer to the question now, labeled by the searches that judged that article. It is
left out when none did (the ranking or the content changed since, or the search was answered from
the cache with a question close in meaning) and when fewer than AGREEMENT of them agree. A question
whose stored text holds a privacy placeholder (`[email]`, `[number]` …) is left out too: the masked
text is not what the customer asked, and its signals would be another question's.

Calibration needs at least MIN_QUESTIONS rows, MIN_EACH of them right and MIN_EACH wrong
(docs/operations.md): the rows adjust the prior the model is pooled with, and with fewer a handful
of misread searches (a click that did not help, a contact about something else) would be a large
share of what the refit learns about this help center.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from kb.analytics.privacy import PLACEHOLDERS
from kb.analytics.store import Store, events, feedback, searches
from kb.engine.search import SearchEngine, SearchRequest
from kb.errors import KbError, QueryError

__all__ = [
    "AGREEMENT",
    "MIN_EACH",
    "MIN_QUESTIONS",
    "Calibration",
    "JudgedQuestion",
    "NotEnoughLabelsError",
    "calibration_rows",
    "judged_questions",
]

AGREEMENT = 0.75  # the share of a question's judging searches that must agree on its top answer
MIN_QUESTIONS = 40
MIN_EACH = 10
ENDPOINT = "/search"

Row = tuple[dict[str, float], bool]  # a top answer's signals; is it right?


class NotEnoughLabelsError(KbError):
    """The analytics hold too few agreed judgements to calibrate on (MIN_QUESTIONS, MIN_EACH)."""


@dataclass
class JudgedQuestion:
    """What customers' searches of one normalised query said about the articles they were shown."""

    norm: str
    spellings: Counter[str] = field(default_factory=Counter)
    right: Counter[str] = field(default_factory=Counter)  # article → searches judging it right
    wrong: Counter[str] = field(default_factory=Counter)

    @property
    def query(self) -> str:
        """The text asked again: the most frequent stored spelling (the first, sorted, on a tie)."""
        return min(self.spellings, key=lambda q: (-self.spellings[q], q))

    def verdict(self, article: str) -> bool | None:
        """Whether the searches that judged `article` agree it is right (True) or wrong (False);
        None when none judged it or fewer than AGREEMENT of them agree."""
        right, wrong = self.right[article], self.wrong[article]
        if right + wrong == 0 or max(right, wrong) < AGREEMENT * (right + wrong):
            return None
        return right > wrong


@dataclass
class _Search:
    query: str
    norm: str
    answers: list[str]
    helpful: set[str] = field(default_factory=set)
    unhelpful: set[str] = field(default_factory=set)
    clicked: set[str] = field(default_factory=set)
    contacted: bool = False

    @property
    def top(self) -> str | None:
        return self.answers[0] if self.answers else None

    def judged(self) -> tuple[set[str], set[str]]:
        """The articles this search judged right and wrong (disjoint)."""
        right = self.helpful | (set() if self.contacted else self.clicked - self.unhelpful)
        wrong = self.unhelpful - self.helpful
        if self.contacted and not self.helpful and self.top is not None:
            wrong.add(self.top)
        return right, wrong - right


def judged_questions(store: Store) -> tuple[list[JudgedQuestion], int]:
    """The questions customers' searches judged, in query order, and how many of them were left
    out for a privacy placeholder in their text. Raises StoreError."""
    shown = (
        searches.c.endpoint == ENDPOINT,
        sa.not_(searches.c.internal),
        searches.c.top_article.is_not(None),
    )
    columns = (searches.c.id, searches.c.query, searches.c.query_norm, searches.c.answers)
    found: dict[str, _Search] = {}

    def search_of(row: tuple[Any, ...]) -> _Search:
        sid, query, norm, answers = row[:4]
        if sid not in found:
            found[sid] = _Search(str(query), str(norm), [str(a) for a in answers or ()])
        return found[sid]

    votes = sa.select(*columns, feedback.c.article, feedback.c.helpful).join(
        feedback, feedback.c.search_id == searches.c.id
    )
    for row in store.read(votes.where(*shown)):
        s = search_of(row)
        article, helpful = row[4] or s.top, bool(row[5])
        if article in s.answers:
            (s.helpful if helpful else s.unhelpful).add(article)
    clicks = sa.select(*columns, events.c.type, events.c.article).join(
        events, events.c.search_id == searches.c.id
    )
    for row in store.read(clicks.where(*shown)):
        s = search_of(row)
        if row[4] == "channel_click":
            s.contacted = True
        elif row[4] == "answer_click" and row[5] in s.answers:
            s.clicked.add(str(row[5]))
    return _pool(found.values())


def _pool(found: Iterable[_Search]) -> tuple[list[JudgedQuestion], int]:
    questions: dict[str, JudgedQuestion] = {}
    masked: set[str] = set()
    for s in found:
        right, wrong = s.judged()
        if not (right or wrong):
            continue
        if any(p in s.norm for p in PLACEHOLDERS):
            masked.add(s.norm)
            continue
        q = questions.setdefault(s.norm, JudgedQuestion(s.norm))
        q.spellings[s.query] += 1
        q.right.update(right)
        q.wrong.update(wrong)
    return [questions[n] for n in sorted(questions)], len(masked)


@dataclass
class Calibration:
    """The labeled rows taken from the analytics for the live index, and what was left out."""

    rows: list[Row]
    judged: int  # questions with at least one judged answer
    masked: int  # left out: a privacy placeholder in the text
    unjudged: int  # left out: no search judged the live top answer (or there is none now)
    conflicting: int  # left out: the judgements of the live top answer agree below AGREEMENT

    @property
    def right(self) -> int:
        return sum(1 for _, ok in self.rows if ok)

    @property
    def wrong(self) -> int:
        return len(self.rows) - self.right

    def summary(self) -> str:
        """The rows taken and what was left out, and why, in a line."""
        return (
            f"{len(self.rows)} questions judged by customers ({self.right} right, {self.wrong} "
            f"wrong); left out: {self.masked} with masked data, {self.unjudged} whose top answer "
            f"no search judged, {self.conflicting} agreeing below {AGREEMENT:.0%}"
        )

    def check(self) -> None:
        """Raise NotEnoughLabelsError unless there are MIN_QUESTIONS rows, MIN_EACH right and wrong."""
        if len(self.rows) >= MIN_QUESTIONS and min(self.right, self.wrong) >= MIN_EACH:
            return
        raise NotEnoughLabelsError(
            f"not enough analytics to calibrate on: {self.summary()}; at least {MIN_QUESTIONS} "
            f"are needed, {MIN_EACH} right and {MIN_EACH} wrong (docs/operations.md)"
        )


def calibration_rows(
    engine: SearchEngine, questions: list[JudgedQuestion], masked: int = 0
) -> Calibration:
    """Each judged question asked of `engine` again: its top answer's signals, labeled by the
    customers' agreed verdict on that article (the rows `kb.engine.practice.refine_version` takes)."""
    rows: list[Row] = []
    unjudged = conflicting = 0
    for question in questions:
        try:
            body = engine.search(SearchRequest(q=question.query, limit=1, explain=True))
        except QueryError:
            unjudged += 1
            continue
        top = body["answers"][0] if body["answers"] else None
        if (
            top is None
            or not top["signals"]
            or not (question.right[top["article"]] or question.wrong[top["article"]])
        ):
            unjudged += 1
            continue
        verdict = question.verdict(top["article"])
        if verdict is None:
            conflicting += 1
            continue
        rows.append((top["signals"], verdict))
    return Calibration(rows, len(questions), masked, unjudged, conflicting)
