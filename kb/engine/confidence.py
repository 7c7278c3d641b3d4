"""Confidence: the probability that an answer is right, from signals of the query and the match.

A logistic model over a few signals, fitted on labeled queries (`kb calibrate`) so that it reads
as a probability: of the answers given a confidence near c, about a share c are right:

- coverage: the share of the query's meaningful words the article matched (typed, corrected or by a
  synonym; a word the content never uses counts by its specificity, so "ago" hardly dilutes it);
  strong_coverage: the share matched in its title, headings, questions or summary;
  weighted_coverage: the same share weighted by each word's IDF (a word the content never uses
  counts as the rarest, scaled by how specific it is in the language, kb.engine.common_words);
- rare_missed: how informative the most informative unmatched word is (1 when it is the query's
  rarest word; damped for long messages, where some words are always left over);
- exact: the share matched as typed (no correction, no synonym);
- unknown: the share of words the content has never seen (nothing near them either);
- score: the article's BM25F score per word (log); margin: its lead over the next article;
- short: 1 / number of meaningful words (a one-word query is weaker evidence);
- relative: the answer's score over the best answer's (1 for the best).

A ranking model of the same form orders the leading answers (kb.engine.search). `kb calibrate` fits it
first, on every leading answer, from the signals that do not depend on the order (all but the
margin); the confidence model is then fitted on the top answers that order gives. Each fit sees
data that does not depend on its own result, so calibrating twice gives the same model.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import repeat
from operator import mul
from pathlib import Path
from typing import Any

FEATURES = (
    "coverage",
    "weighted_coverage",
    "rare_missed",
    "strong_coverage",
    "exact",
    "unknown",
    "score",
    "margin",
    "short",
    "relative",
)
DEFAULT_PATH = Path(__file__).with_name("calibration.json")
# The signals that depend on an answer's place in the order, held fixed when ranking.
ORDER_FREE = {"margin": 0.0}


def linear(bias: float, weights: dict[str, float], values: dict[str, float]) -> float:
    """bias + the sum of weight × value over the weights, in their order (a value missing is 0):
    the score of a fitted linear model (this module's, kb.engine.blend's). Summed without a Python
    frame a term: a search by meaning computes about a hundred of them."""
    found: Iterator[float] = map(values.get, weights, repeat(0.0))
    terms: Iterator[float] = map(mul, weights.values(), found)
    return bias + sum(terms)


@dataclass
class Model:
    """The confidence model, and the ranking model that orders the leading answers (fitted first,
    on every leading answer, from the signals that do not depend on the order)."""

    weights: dict[str, float]
    bias: float
    ranking: Model | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Model:
        ranking = data.get("ranking")
        return cls(
            weights={k: float(v) for k, v in data["weights"].items()},
            bias=float(data["bias"]),
            ranking=cls.from_json(ranking) if isinstance(ranking, dict) else None,
        )

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"bias": self.bias, "weights": self.weights}
        if self.ranking is not None:
            data["ranking"] = self.ranking.to_json()
        return data

    @classmethod
    def load(cls, path: Path | None = None) -> Model:
        path = path or DEFAULT_PATH
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))

    def save(self, path: Path, meta: dict[str, object] | None = None) -> None:
        path.write_text(
            json.dumps({**self.to_json(), **(meta or {})}, indent=2) + "\n", encoding="utf-8"
        )

    def rank_logit(self, signals: dict[str, float]) -> float:
        """How well an answer answers, judged without its place in the order."""
        return (self.ranking or self).logit({**signals, **ORDER_FREE})

    def logit(self, signals: dict[str, float]) -> float:
        return linear(self.bias, self.weights, signals)

    def probability(self, signals: dict[str, float]) -> float:
        z = max(-30.0, min(30.0, self.logit(signals)))
        return 1.0 / (1.0 + math.exp(-z))


def fit(
    rows: list[tuple[dict[str, float], bool]],
    l2: float = 0.5,
    steps: int = 60,
    features: tuple[str, ...] = FEATURES,
) -> Model:
    """Logistic regression by Newton's method with an L2 penalty (a handful of features, few rows)."""
    names = list(features)
    k = len(names) + 1
    w = [0.0] * k
    xs = [[1.0, *(sig.get(n, 0.0) for n in names)] for sig, _ in rows]
    ys = [1.0 if ok else 0.0 for _, ok in rows]
    for _ in range(steps):
        grad = [0.0] * k
        hess = [[0.0] * k for _ in range(k)]
        for x, y in zip(xs, ys, strict=True):
            z = max(-30.0, min(30.0, sum(wi * xi for wi, xi in zip(w, x, strict=True))))
            p = 1.0 / (1.0 + math.exp(-z))
            for i in range(k):
                grad[i] += (p - y) * x[i]
                for j in range(k):
                    hess[i][j] += p * (1 - p) * x[i] * x[j]
        for i in range(1, k):
            grad[i] += l2 * w[i]
            hess[i][i] += l2
        hess[0][0] += 1e-6
        step = _solve(hess, grad)
        w = [wi - si for wi, si in zip(w, step, strict=True)]
        if max(abs(s) for s in step) < 1e-8:
            break
    return Model(weights=dict(zip(names, w[1:], strict=True)), bias=w[0])


def refit_bias(model: Model, rows: list[tuple[dict[str, float], bool]], steps: int = 50) -> Model:
    """The model with its bias refitted on `rows`, its weights kept: the weights say which answers
    are likelier right than others, the bias how likely on the whole (Newton's method in one
    variable)."""
    bias = model.bias
    for _ in range(steps):
        grad = hess = 0.0
        for signals, ok in rows:
            z = max(-30.0, min(30.0, bias + model.logit(signals) - model.bias))
            p = 1.0 / (1.0 + math.exp(-z))
            grad += p - (1.0 if ok else 0.0)
            hess += p * (1 - p)
        if hess < 1e-12:
            break
        step = grad / hess
        bias -= step
        if abs(step) < 1e-9:
            break
    return Model(weights=dict(model.weights), bias=bias, ranking=model.ranking)


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (k ≤ 10)."""
    n = len(b)
    m = [[*row[:], b[i]] for i, row in enumerate(a)]
    for col in range(n):
        piv = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[piv] = m[piv], m[col]
        if abs(m[col][col]) < 1e-12:
            continue
        for r in range(n):
            if r != col:
                f = m[r][col] / m[col][col]
                for c in range(col, n + 1):
                    m[r][c] -= f * m[col][c]
    return [m[i][n] / m[i][i] if abs(m[i][i]) > 1e-12 else 0.0 for i in range(n)]


def reliability(
    pairs: list[tuple[float, bool]], buckets: int = 10
) -> tuple[list[dict[str, float]], float]:
    """Reliability table (confidence buckets vs observed accuracy) and expected calibration error."""
    table = []
    ece = 0.0
    n = len(pairs) or 1
    for b in range(buckets):
        lo, hi = b / buckets, (b + 1) / buckets
        inside = [(c, ok) for c, ok in pairs if lo <= c < hi or (b == buckets - 1 and c == 1.0)]
        if not inside:
            continue
        mean_c = sum(c for c, _ in inside) / len(inside)
        acc = sum(1 for _, ok in inside if ok) / len(inside)
        ece += len(inside) / n * abs(mean_c - acc)
        table.append(
            {"low": lo, "high": hi, "count": len(inside), "confidence": mean_c, "accuracy": acc}
        )
    return table, ece
