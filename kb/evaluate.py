"""`kb eval`: the metrics of shared/eval/README.md over a labeled query file, overall and per group,
optionally beside a plain BM25 baseline (SQLite FTS5) run on the same chunks in the same process."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from indexer.schema import words
from kb.engine.blend import DEPTH, NEAREST, Blend
from kb.engine.blend import FEATURES as BLEND_FEATURES
from kb.engine.common_words import Lexicon
from kb.engine.confidence import FEATURES, ORDER_FREE, Model, fit, reliability
from kb.engine.practice import cosine_scale
from kb.engine.query import correction
from kb.engine.search import RERANK, SearchEngine, SearchRequest
from kb.engine.snapshot import Snapshot
from kb.errors import ContentError, KbError

METRICS = ("hit@1", "mrr@5", "answered", "fallback_acc", "channel_acc")
# The confidence model is fitted on top answers: the response's confidence decides fallback.
CALIBRATION_DEPTH = 1


@dataclass
class Labeled:
    q: str
    articles: list[str]
    fallback: bool
    channel: str | None
    kind: str | None = None  # the labeller's kind of question (keyword, paraphrase, ticket, …)


@dataclass
class Outcome:
    row: Labeled
    ranked: list[str]
    fallback: bool
    channel: str | None
    confidence: float
    groups: list[str] = field(default_factory=list)


def load_labeled(path: Path) -> list[Labeled]:
    rows = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ContentError(f"cannot read {path}: {exc.strerror}") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            rows.append(
                Labeled(
                    str(d["q"]),
                    list(d["articles"]),
                    bool(d["fallback"]),
                    d.get("channel"),
                    str(d["kind"]) if d.get("kind") else None,
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ContentError(f"{path}:{n}: not a labeled query ({exc})") from None
    return rows


def groups_of(row: Labeled, snap: Snapshot, lexicon: Lexicon) -> list[str]:
    """The kinds a labeled row belongs to, judged from the query and the content alone."""
    g = ["fallback" if row.fallback else "answerable"]
    ws = [w for w in words(row.q) if w.isalpha()]
    if not row.fallback and any(correction(w, snap.vocabulary, lexicon) for w in ws):
        g.append("typo")
    if len(ws) > 20:
        g.append("long")
    if any(ch in row.q for ch in '":*?~^()[]{}') or any(
        w in row.q.split() for w in ("AND", "OR", "NOT")
    ):
        g.append("syntax")
    if row.channel:
        g.append(f"channel:{row.channel}")
    if row.kind:
        g.append(f"kind:{row.kind}")
    return g


def metrics(outcomes: list[Outcome]) -> dict[str, float | int]:
    ans = [o for o in outcomes if not o.row.fallback]
    fb = [o for o in outcomes if o.row.fallback]
    ch = [o for o in outcomes if o.row.channel]

    def rr(o: Outcome) -> float:
        for i, a in enumerate(o.ranked[:5], 1):
            if a in o.row.articles:
                return 1.0 / i
        return 0.0

    def mean(xs: list[float]) -> float:
        return sum(xs) / len(xs) if xs else float("nan")

    return {
        "n": len(outcomes),
        "hit@1": mean(
            [1.0 if o.ranked[:1] and o.ranked[0] in o.row.articles else 0.0 for o in ans]
        ),
        "mrr@5": mean([rr(o) for o in ans]),
        "answered": mean([0.0 if o.fallback else 1.0 for o in ans]),
        "fallback_acc": mean([1.0 if o.fallback else 0.0 for o in fb]),
        "channel_acc": mean([1.0 if o.channel == o.row.channel else 0.0 for o in ch]),
    }


def run(engine: SearchEngine, rows: list[Labeled]) -> list[Outcome]:
    snap = engine.holder.get()
    out = []
    for row in rows:
        try:
            body = engine.search(SearchRequest(q=row.q, limit=5))
            ranked = [a["article"] for a in body["answers"]]
            outcome = Outcome(
                row, ranked, body["fallback"], body["channel"]["id"], body["confidence"]
            )
        except KbError:
            outcome = Outcome(row, [], True, None, 0.0)
        outcome.groups = groups_of(row, snap, engine.lexicon)
        out.append(outcome)
    return out


Row = tuple[dict[str, float], bool]  # an answer's signals; is its article one that answers?


def calibrate(engine: SearchEngine, rows: list[Labeled]) -> tuple[Model, list[Row]]:
    """The ranking and confidence models fitted on labeled questions, and the confidence model's
    training rows. The result does not depend on the model the engine started with.

    First the ranking model, on every leading answer to the questions that have a right one (the
    same answers whatever their order; an off-topic question has nothing to teach about order);
    then the confidence model on the top answers in the order the ranking model gives them. The
    engine is left searching with the fitted models.
    """

    def answers(depth: int) -> list[list[Row]]:
        found = []
        for row in rows:
            body = engine.search(SearchRequest(q=row.q, limit=depth, explain=True))
            found.append(
                [
                    (a["signals"], (not row.fallback) and a["article"] in row.articles)
                    for a in sorted(body["answers"], key=lambda a: str(a["article"]))
                ]
            )
        return found

    ranking = fit(
        [a for shown in answers(RERANK) if any(ok for _, ok in shown) for a in shown],
        features=tuple(f for f in FEATURES if f not in ORDER_FREE),
    )
    engine.model = replace(engine.model, ranking=ranking)
    data = [a for shown in answers(CALIBRATION_DEPTH) for a in shown]
    engine.model = replace(fit(data), ranking=ranking)
    return engine.model, data


def blend_rows(engine: SearchEngine, rows: list[Labeled]) -> list[Row]:
    """The blend's features of the answers it re-ranks, each labeled right or not, over the
    questions that have a right answer among them (an off-topic question teaches nothing about
    order). Empty where the engine's version has no vectors."""
    found: list[Row] = []
    if engine.mode(engine.holder.get()) != "semantic":
        return found
    for row in rows:
        if row.fallback:
            continue
        body = engine.search(SearchRequest(q=row.q, limit=DEPTH + NEAREST, explain=True))
        shown = [
            ({k: a["signals"][k] for k in BLEND_FEATURES}, a["article"] in row.articles)
            for a in body["answers"]
            if a["signals"] and "cosine" in a["signals"]
        ]
        if any(ok for _, ok in shown):
            found.extend(shown)
    return found


def top_rows(engine: SearchEngine, rows: list[Labeled]) -> list[Row]:
    """The signals of the top answer to each labeled question, and whether it is right (for an
    off-topic question: never); questions without an answer are left out."""
    found: list[Row] = []
    for row in rows:
        body = engine.search(SearchRequest(q=row.q, limit=1, explain=True))
        if body["answers"] and body["answers"][0]["signals"]:
            top = body["answers"][0]
            found.append((top["signals"], (not row.fallback) and top["article"] in row.articles))
    return found


def fit_blend(labeled: list[tuple[SearchEngine, list[Labeled]]]) -> tuple[Blend, int]:
    """The blend of words and meaning fitted on the labeled questions of one or more help centers
    (each engine searching its own), and the number of answers it was fitted on. Each engine's
    confidence is set back to the shipped model's, which the rows are taken with."""
    data: list[Row] = []
    for engine, rows in labeled:
        engine.holder.get().confidence = {}
        data.extend(blend_rows(engine, rows))
    model = fit(data, features=BLEND_FEATURES)
    return Blend(model.weights, model.bias), len(data)


def prior_rows(labeled: list[tuple[SearchEngine, list[Labeled]]], blend: Blend) -> list[Row]:
    """The confidence prior: the top answers to the labeled questions under `blend`, each with its
    cosine on its own help center's scale, as that help center's own index would have it."""
    found: list[Row] = []
    for engine, rows in labeled:
        engine.blend = blend
        snap = engine.holder.get()
        snap.cosine_scale = cosine_scale(snap, engine)
        found.extend(top_rows(engine, rows))
    return found


def calibration(outcomes: list[Outcome]) -> tuple[list[dict[str, float]], float]:
    """Is the top answer right, against its confidence (fallback rows: any answer is wrong)."""
    pairs = [
        (o.confidence, bool(o.ranked) and not o.row.fallback and o.ranked[0] in o.row.articles)
        for o in outcomes
    ]
    return reliability(pairs)


class Baseline:
    """Plain BM25 over the same chunks, as a team would set it up in an afternoon: SQLite FTS5 with
    the Porter stemmer, the query's words OR'ed; no synonyms, typos, ranking model or confidence."""

    def __init__(self, snap: Snapshot) -> None:
        self.db = sqlite3.connect(":memory:")
        self.db.execute(
            "CREATE VIRTUAL TABLE chunk USING fts5(title, headings, body, article UNINDEXED, "
            "tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        self.db.executemany(
            "INSERT INTO chunk(title, headings, body, article) VALUES (?, ?, ?, ?)",
            (
                (a.title, " ".join(s.path[1:]), s.text, a.id)
                for a in snap.articles.values()
                if a.audience != "internal"
                for s in a.sections
                if s.text.strip() or s.position == 0
            ),
        )
        self.default_channel = snap.channels.default

    def ranked(self, q: str) -> list[str]:
        """Article ids in the order of their best chunk, at most five."""
        terms = dict.fromkeys(w for w in words(q.replace("'", " ")) if w.isalnum())
        if not terms:
            return []
        match = " OR ".join(f'"{t}"' for t in terms)
        rows = self.db.execute(
            "SELECT article FROM chunk WHERE chunk MATCH ? ORDER BY rank LIMIT 50", (match,)
        ).fetchall()
        return list(dict.fromkeys(r[0] for r in rows))[:5]

    def run(self, rows: list[Labeled], snap: Snapshot, lexicon: Lexicon) -> list[Outcome]:
        out = []
        for row in rows:
            ranked = self.ranked(row.q)
            o = Outcome(row, ranked, not ranked, self.default_channel, 1.0 if ranked else 0.0)
            o.groups = groups_of(row, snap, lexicon)
            out.append(o)
        return out


def by_group(outcomes: list[Outcome]) -> dict[str, dict[str, float | int]]:
    names: dict[str, list[Outcome]] = {"all": outcomes}
    for o in outcomes:
        for g in o.groups:
            names.setdefault(g, []).append(o)
    return {g: metrics(os) for g, os in names.items()}


def report(engine: SearchEngine, rows: list[Labeled], baseline: bool) -> dict[str, Any]:
    snap = engine.holder.get()
    outcomes = run(engine, rows)
    table, ece = calibration(outcomes)
    result: dict[str, Any] = {"kb": by_group(outcomes), "reliability": table, "ece": ece}
    if baseline:
        result["baseline"] = by_group(Baseline(snap).run(rows, snap, engine.lexicon))
    result["misses"] = [
        {
            "q": o.row.q,
            "expected": o.row.articles,
            "got": o.ranked[:3],
            "fallback": o.fallback,
            "channel": o.channel,
            "expected_channel": o.row.channel,
            "confidence": round(o.confidence, 3),
        }
        for o in outcomes
        if (o.row.fallback != o.fallback)
        or (not o.row.fallback and (not o.ranked or o.ranked[0] not in o.row.articles))
        or (o.row.channel and o.channel != o.row.channel)
    ]
    return result
