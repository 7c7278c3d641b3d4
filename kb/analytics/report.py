"""The content team's report: what customers ask, where the help center fails them, what helps.

    top queries     the most frequent questions (normalized: lower-cased words, data masked)
    content gaps    questions that fell back to a channel or found nothing, grouped when they share
                    their stemmed content words ("pay with bitcoin", "bitcoin payment" → one gap)
    funnel          searched → clicked an answer → still contacted a channel
    helpfulness     "was this helpful?" yes/no per article, with the latest comments
    daily           searches and fallbacks per UTC day

`build` reads it from a Store; `to_table` renders it for a terminal (rich); kb.analytics.page
renders the HTML page.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, Field
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from kb.analytics.privacy import PLACEHOLDERS
from kb.analytics.store import Store, events, feedback, searches, utcnow
from kb.engine.vocabulary import stem

__all__ = ["Report", "build", "group_gaps", "print_report"]

GAP_QUERIES = 2000  # distinct failing queries grouped at most (the most frequent ones)
COMMENTS_PER_ARTICLE = 3


class Period(BaseModel):
    since: datetime = Field(..., description="Start of the period (UTC).")
    until: datetime = Field(..., description="End of the period: when the report was made (UTC).")
    days: int
    first_search: datetime | None = Field(
        None, description="Earliest search recorded in the period."
    )
    last_search: datetime | None = Field(None, description="Latest search recorded in the period.")


class Totals(BaseModel):
    searches: int
    answered: int = Field(..., description="Searches that did not fall back.")
    fallbacks: int = Field(..., description="Searches that handed over to a contact channel.")
    zero_results: int = Field(..., description="Searches with no answer at all.")
    internal: int = Field(..., description="Searches by agents (with an agent key).")
    fallback_rate: float
    avg_latency_ms: float
    feedback: int
    events: int


class Day(BaseModel):
    day: date
    searches: int
    fallbacks: int


class QueryCount(BaseModel):
    query: str = Field(
        ..., description="Normalized query: lower-cased words, personal data masked."
    )
    searches: int
    fallbacks: int = 0
    avg_confidence: float = 0.0


class GapQuery(BaseModel):
    query: str
    searches: int


class Gap(BaseModel):
    label: str = Field(..., description="The most searched question of the group.")
    words: list[str] = Field(
        ...,
        description="The group's content words, most searched first (grouped by stem, shown as typed).",
    )
    searches: int
    zero_results: int = Field(..., description="Of those, searches that found no answer at all.")
    queries: list[GapQuery] = Field(
        ..., description="Its questions, most searched first (at most 5)."
    )


class Funnel(BaseModel):
    searched: int
    clicked_answer: int = Field(..., description="Searches followed by a click on an answer.")
    contacted_after_click: int = Field(..., description="Clicked an answer, then still a channel.")
    contacted_without_click: int = Field(
        ..., description="Went to a channel without opening an answer."
    )
    self_served: int = Field(..., description="Clicked an answer and did not contact a channel.")
    click_rate: float = Field(..., description="clicked_answer / searched")
    contact_after_click_rate: float = Field(
        ..., description="contacted_after_click / clicked_answer"
    )
    deflection_rate: float = Field(..., description="self_served / searched")


class ArticleHelpfulness(BaseModel):
    article: str = Field(
        ..., description="Article id ('(unknown)' when the vote named none and the search is gone)."
    )
    helpful: int
    not_helpful: int
    total: int
    ratio: float = Field(..., description="helpful / total")
    comments: list[str] = Field(default_factory=list, description="Latest comments, masked.")


class Report(BaseModel):
    generated_at: datetime
    period: Period
    totals: Totals
    daily: list[Day]
    top_queries: list[QueryCount]
    gaps: list[Gap]
    funnel: Funnel
    helpfulness: list[ArticleHelpfulness]


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _ratio(a: int, b: int) -> float:
    return round(a / b, 4) if b else 0.0


def _count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def build(store: Store, days: int = 30, *, top: int = 20, now: datetime | None = None) -> Report:
    """The report over the last `days` days; raises StoreUnavailableError."""
    until = now or utcnow()
    since = until - timedelta(days=days)
    s = searches
    in_period = s.c.at >= since
    no_answer = s.c.top_article.is_(None)

    row = store.read(
        sa.select(
            sa.func.count(),
            _count_if(s.c.fallback),
            _count_if(no_answer),
            _count_if(s.c.internal),
            sa.func.avg(s.c.latency_ms),
            sa.func.min(s.c.at),
            sa.func.max(s.c.at),
        ).where(in_period)
    )[0]
    total, fallbacks, zero, internal = (int(v) for v in row[:4])
    n_feedback = store.read(
        sa.select(sa.func.count()).select_from(feedback).where(feedback.c.at >= since)
    )[0][0]
    n_events = store.read(
        sa.select(sa.func.count()).select_from(events).where(events.c.at >= since)
    )[0][0]
    totals = Totals(
        searches=total,
        answered=total - fallbacks,
        fallbacks=fallbacks,
        zero_results=zero,
        internal=internal,
        fallback_rate=_ratio(fallbacks, total),
        avg_latency_ms=round(float(row[4] or 0.0), 3),
        feedback=int(n_feedback),
        events=int(n_events),
    )

    day = store.day(s.c.at).label("day")
    daily = [
        Day(day=_as_date(d), searches=int(n), fallbacks=int(f))
        for d, n, f in store.read(
            sa.select(day, sa.func.count(), _count_if(s.c.fallback))
            .where(in_period)
            .group_by(day)
            .order_by(day)
        )
    ]

    n = sa.func.count().label("n")
    top_queries = [
        QueryCount(
            query=q, searches=int(c), fallbacks=int(f), avg_confidence=round(float(a or 0.0), 4)
        )
        for q, c, f, a in store.read(
            sa.select(s.c.query_norm, n, _count_if(s.c.fallback), sa.func.avg(s.c.confidence))
            .where(in_period, s.c.query_norm != "")
            .group_by(s.c.query_norm)
            .order_by(n.desc(), s.c.query_norm)
            .limit(top)
        )
    ]

    failing = store.read(
        sa.select(s.c.query_norm, n, _count_if(no_answer))
        .where(in_period, sa.or_(s.c.fallback, no_answer))
        .group_by(s.c.query_norm)
        .order_by(n.desc(), s.c.query_norm)
        .limit(GAP_QUERIES)
    )
    gaps = group_gaps((q, int(c), int(z)) for q, c, z in failing)[:top]

    return Report(
        generated_at=_aware(until) or until,
        period=Period(
            since=_aware(since) or since,
            until=_aware(until) or until,
            days=days,
            first_search=_aware(row[5]),
            last_search=_aware(row[6]),
        ),
        totals=totals,
        daily=daily,
        top_queries=top_queries,
        gaps=gaps,
        funnel=_funnel(store, in_period),
        helpfulness=_helpfulness(store, since),
    )


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _funnel(store: Store, in_period: sa.ColumnElement[bool]) -> Funnel:
    def clicked(kind: str) -> sa.ColumnElement[bool]:
        return sa.exists().where(events.c.search_id == searches.c.id, events.c.type == kind)

    answer, channel = clicked("answer_click"), clicked("channel_click")
    row = store.read(
        sa.select(
            sa.func.count(),
            _count_if(answer),
            _count_if(sa.and_(answer, channel)),
            _count_if(sa.and_(sa.not_(answer), channel)),
        ).where(in_period)
    )[0]
    searched, clicks, after, without = (int(v) for v in row)
    return Funnel(
        searched=searched,
        clicked_answer=clicks,
        contacted_after_click=after,
        contacted_without_click=without,
        self_served=clicks - after,
        click_rate=_ratio(clicks, searched),
        contact_after_click_rate=_ratio(after, clicks),
        deflection_rate=_ratio(clicks - after, searched),
    )


def _helpfulness(store: Store, since: datetime) -> list[ArticleHelpfulness]:
    article = sa.func.coalesce(feedback.c.article, searches.c.top_article, "(unknown)").label(
        "article"
    )
    joined = feedback.outerjoin(searches, feedback.c.search_id == searches.c.id)
    total = sa.func.count().label("total")
    rows = store.read(
        sa.select(article, _count_if(feedback.c.helpful), total)
        .select_from(joined)
        .where(feedback.c.at >= since)
        .group_by(article)
        .order_by(total.desc(), article)
    )
    comments: dict[str, list[str]] = {}
    for name, text in store.read(
        sa.select(article, feedback.c.comment)
        .select_from(joined)
        .where(feedback.c.at >= since, feedback.c.comment.is_not(None))
        .order_by(feedback.c.at.desc(), feedback.c.id.desc())
        .limit(500)
    ):
        kept = comments.setdefault(name, [])
        if len(kept) < COMMENTS_PER_ARTICLE:
            kept.append(text)
    return [
        ArticleHelpfulness(
            article=name,
            helpful=int(yes),
            not_helpful=int(n) - int(yes),
            total=int(n),
            ratio=_ratio(int(yes), int(n)),
            comments=comments.get(name, []),
        )
        for name, yes, n in rows
    ]


# Content gaps: failing questions grouped by their stemmed content words.


def content_words(query: str) -> dict[str, str]:
    """A normalized query's content words by their stem (no stop words, no placeholders)."""
    return {s: w for w in query.split() if w not in PLACEHOLDERS and (s := stem(w))}


@dataclass
class _Group:
    core: frozenset[str]
    members: list[tuple[str, int, int]] = field(default_factory=list)
    weights: Counter[str] = field(default_factory=Counter)
    forms: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, query: str, count: int, zero: int, words: dict[str, str]) -> None:
        self.members.append((query, count, zero))
        for s, w in words.items():
            self.weights[s] += count
            self.forms.setdefault(s, Counter())[w] += count

    def words(self) -> list[str]:
        """Its content words, most searched first, each in its most searched form."""
        ranked = sorted(self.weights, key=lambda s: (-self.weights[s], s))
        return [min(self.forms[s], key=lambda w: (-self.forms[s][w], w)) for s in ranked]


def _similar(a: frozenset[str], b: frozenset[str]) -> bool:
    shared = len(a & b)
    if not shared:
        return False
    return shared / len(a | b) >= 0.5 or a <= b or b <= a


def group_gaps(failing: Iterable[tuple[str, int, int]]) -> list[Gap]:
    """Group (normalized query, searches, zero-result searches) into content gaps, biggest first.

    Queries are compared by the stems of their content words (kb.engine.vocabulary.stem). Each joins the
    first group (in order of size) whose defining stems it shares: half of their union, or all of
    the smaller set. A group is defined by its most searched query, so the grouping does not drift
    as small queries join. Queries without content words stay together.
    """
    ordered = sorted(failing, key=lambda item: (-item[1], item[0]))
    groups: list[_Group] = []
    for query, count, zero in ordered:
        words = content_words(query)
        stems = frozenset(words)
        home = next(
            (
                g
                for g in groups
                if (not stems and not g.core) or (stems and _similar(stems, g.core))
            ),
            None,
        )
        if home is None:
            home = _Group(core=stems)
            groups.append(home)
        home.add(query, count, zero, words)
    gaps = [
        Gap(
            label=g.members[0][0],
            words=g.words(),
            searches=sum(c for _, c, _ in g.members),
            zero_results=sum(z for _, _, z in g.members),
            queries=[GapQuery(query=q, searches=c) for q, c, _ in g.members[:5]],
        )
        for g in groups
    ]
    return sorted(gaps, key=lambda gap: (-gap.searches, gap.label))


# The terminal.


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


def to_table(report: Report) -> Group:
    """The report as rich tables, for `kb report`."""
    p, t, f = report.period, report.totals, report.funnel
    span = f"{p.since:%Y-%m-%d %H:%M} – {p.until:%Y-%m-%d %H:%M} UTC"
    summary = Table(
        title=f"kb report, last {p.days} days", caption=span, show_header=False, min_width=48
    )
    summary.add_column("what")
    summary.add_column("value", justify="right")
    summary.add_row("searches", str(t.searches))
    summary.add_row(
        "answered", f"{t.answered} ({_pct(1 - t.fallback_rate) if t.searches else '—'})"
    )
    summary.add_row("fell back to a channel", f"{t.fallbacks} ({_pct(t.fallback_rate)})")
    summary.add_row("found nothing", str(t.zero_results))
    summary.add_row("by agents", str(t.internal))
    summary.add_row("average latency", f"{t.avg_latency_ms:.1f} ms")
    summary.add_row("feedback / events", f"{t.feedback} / {t.events}")

    funnel = Table(title="deflection funnel")
    for col in (
        "searched",
        "clicked an answer",
        "then contacted",
        "self-served",
        "contacted without click",
    ):
        funnel.add_column(col, justify="right")
    funnel.add_row(
        str(f.searched),
        f"{f.clicked_answer} ({_pct(f.click_rate)})",
        f"{f.contacted_after_click} ({_pct(f.contact_after_click_rate)})",
        f"{f.self_served} ({_pct(f.deflection_rate)})",
        str(f.contacted_without_click),
    )

    queries = Table(title="top queries")
    for col in ("query", "searches", "fell back", "avg conf."):
        queries.add_column(col, justify="left" if col == "query" else "right")
    for q in report.top_queries:
        queries.add_row(Text(q.query), str(q.searches), str(q.fallbacks), f"{q.avg_confidence:.2f}")

    gaps = Table(title="content gaps (fell back or found nothing)")
    for col in ("gap", "searches", "nothing found", "questions"):
        gaps.add_column(col, justify="left" if col in ("gap", "questions") else "right")
    for g in report.gaps:
        # Text(): what customers typed is shown as typed, never read as rich markup ("[phone]").
        asked = Text("; ".join(f"{q.query} ×{q.searches}" for q in g.queries))
        gaps.add_row(
            Text(", ".join(g.words) or "(no content words)"),
            str(g.searches),
            str(g.zero_results),
            asked,
        )

    helpful = Table(title="was this helpful?")
    for col in ("article", "yes", "no", "helpful", "latest comment"):
        helpful.add_column(col, justify="left" if col in ("article", "latest comment") else "right")
    for a in report.helpfulness:
        latest = a.comments[0] if a.comments else ""
        helpful.add_row(
            Text(a.article), str(a.helpful), str(a.not_helpful), _pct(a.ratio), Text(latest)
        )
    return Group(summary, funnel, queries, gaps, helpful)


def print_report(report: Report, console: Console) -> None:
    console.print(to_table(report))
