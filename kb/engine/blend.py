"""Words and meaning in one order: the leading answers re-ranked by a fitted linear blend of kb's
ranking judgement and the cosine of the question to each article (kb.engine.semantic).

Features of an answer, each also as its gap to the best among the answers re-ranked, so that the
blend compares answers to one question rather than questions to each other:

- kb: the ranking model's logit (kb.engine.confidence), from the words' signals;
- cosine: the question's cosine to the article's closest section or card;
- coverage and strong_coverage (no gaps): the share of the question's words the article matched,
  anywhere and in its title, headings or questions, weighed apart from the ranking model's logit,
  which was fitted without meaning beside it;
- sibling (no gap): 1 for an article of a family of pages written to one pattern ("Host on
  Netlify", "Host on Render", …: titles that differ from two or more other answers' in one word)
  whose own word the question does not name. Such pages share most of their words and much of their
  meaning, so they crowd the leading answers to a question none of them is about.

The weights are fitted (`kb fit-blend`: logistic regression on the leading answers to labeled
questions, is this answer right), never set by hand; `blend.json` holds the shipped fit.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import Any

from kb.engine.confidence import linear

DEFAULT_PATH = Path(__file__).with_name("blend.json")
FEATURES = ("kb", "kb_gap", "cosine", "cosine_gap", "coverage", "strong_coverage", "sibling")
DEPTH = 20  # answers by words re-ranked
NEAREST = 10  # articles closest in meaning added to them when words missed them


@dataclass
class Blend:
    """A linear score over FEATURES; higher is better."""

    weights: dict[str, float]
    bias: float = 0.0

    @classmethod
    def load(cls, path: Path | None = None) -> Blend:
        data: dict[str, Any] = json.loads((path or DEFAULT_PATH).read_text(encoding="utf-8"))
        return cls({k: float(v) for k, v in data["weights"].items()}, float(data["bias"]))

    def save(self, path: Path, meta: dict[str, object] | None = None) -> None:
        data = {"bias": self.bias, "weights": self.weights, **(meta or {})}
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")

    def score(self, features: dict[str, float]) -> float:
        return linear(self.bias, self.weights, features)


def features(
    kb: list[float],
    cosines: list[float],
    signals: list[dict[str, float]],
    titles: list[tuple[str, ...]],
    asked: Collection[str],
) -> list[dict[str, float]]:
    """The blend's features of each answer to one question (`signals`: each one's words' signals;
    `titles`: each one's title as stems; `asked`: the stems the question searched)."""
    best_kb, best_cos = max(kb, default=0.0), max(cosines, default=0.0)
    return [
        {
            "kb": k,
            "kb_gap": k - best_kb,
            "cosine": c,
            "cosine_gap": c - best_cos,
            "coverage": s["coverage"],
            "strong_coverage": s["strong_coverage"],
            "sibling": sib,
        }
        for k, c, s, sib in zip(kb, cosines, signals, siblings(titles, asked), strict=True)
    ]


def siblings(titles: list[tuple[str, ...]], asked: Collection[str]) -> list[float]:
    """1.0 for each title that differs from two or more of the others in exactly one word, none of
    its words where it differs being asked; else 0.0. Titles of one word are no family."""
    asked = set(asked)
    keys = [_patterns(title) for title in titles]
    patterns = Counter(chain.from_iterable(keys))
    same = Counter(titles)
    found = []
    for title, own_keys in zip(titles, keys, strict=True):
        copies = same[title]  # not its copies
        others, own = 0, set()
        for word, key in zip(title, own_keys, strict=False):  # none for a one-word title
            n = patterns[key] - copies
            if n > 0:
                others += n
                own.add(word)
        found.append(1.0 if others >= 2 and not own & asked else 0.0)
    return found


@lru_cache(maxsize=16384)
def _patterns(title: tuple[str, ...]) -> tuple[str, ...]:
    """The title with each of its words left out in turn, as a string a pattern (its hash kept):
    two titles share a pattern when they differ in that word alone. None for a one-word title."""
    if len(title) < 2:
        return ()
    return tuple(f"{i}\x00{' '.join(title[:i] + title[i + 1 :])}" for i in range(len(title)))
