"""`python -m bench.loco`: relevance on each labeled help center, leave-one-corpus-out.

For each corpus, the blend of words and meaning and the confidence prior are fitted on the labels of
the other corpora only (as `kb fit-blend --prior` does); the corpus's own index then fits its
confidence from its practice questions with that prior, as a help center new to kb gets it. Its
labels are then searched and scored beside plain BM25 (SQLite FTS5) on the same chunks. The
shipped content is measured as it ships too (its confidence model was fitted on its labels).

Indexes are built with the semantic extra into --work (reused when present; --fresh rebuilds).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indexer import build_index, layout
from kb import evaluate as ev
from kb.config import default_content_dir
from kb.engine import open_engine, practice
from kb.engine.blend import Blend
from kb.engine.common_words import DEFAULT_LANGUAGE
from kb.engine.search import SearchEngine

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@dataclass(frozen=True)
class Corpus:
    name: str
    content: Path
    labels: tuple[Path, ...]


CORPORA = (
    Corpus(
        "shipped",
        default_content_dir(),
        (SHARED / "eval" / "dev.jsonl", REPO / "tests" / "relevance" / "queries.jsonl"),
    ),
    Corpus(
        "plausible", SHARED / "corpora" / "plausible-docs", (SHARED / "eval" / "plausible.jsonl",)
    ),
    Corpus(
        "hugo", SHARED / "corpora" / "hugo-docs" / "en", (REPO / "tests/relevance/hugo-docs.jsonl",)
    ),
)
SHOWN = ("hit@1", "mrr@5", "answered", "fallback_acc", "channel_acc")


def engine_of(index: Path) -> SearchEngine:
    return open_engine(
        index,
        cache_size=0,
        semantic=True,
        fallback_channels=default_content_dir() / "channels.yaml",
    ).searcher


def labeled(corpus: Corpus) -> list[ev.Labeled]:
    return [row for path in corpus.labels for row in ev.load_labeled(path)]


def measure(engine: SearchEngine, rows: list[ev.Labeled]) -> dict[str, Any]:
    snap = engine.holder.get()
    outcomes = ev.run(engine, rows)
    groups = ev.by_group(outcomes)
    base = ev.by_group(ev.Baseline(snap).run(rows, snap, engine.lexicon))
    _, ece = ev.calibration(outcomes)
    kinds = sorted(g for g in groups if g.startswith("kind:") or g == "all")
    return {
        g: {
            **{m: groups[g][m] for m in ("n", *SHOWN)},
            "fts5_hit@1": base[g]["hit@1"],
            **({"ece": ece} if g == "all" else {}),
        }
        for g in kinds
    }


def held_out(corpus: Corpus, indexes: dict[str, Path], share: float) -> dict[str, Any]:
    """The corpus measured with everything fitted on the other corpora's labels."""
    for index in indexes.values():  # every index starts with no model of its own
        version = layout.current_version(index)
        assert version is not None
        (version / layout.CONFIDENCE).unlink(missing_ok=True)
    others = [(engine_of(indexes[c.name]), labeled(c)) for c in CORPORA if c is not corpus]
    blend, _ = ev.fit_blend(others)
    prior = ev.prior_rows(others, blend)
    version = layout.current_version(indexes[corpus.name])
    assert version is not None
    fitter = engine_of(indexes[corpus.name])
    fitter.blend = blend
    practice.fit_version(version, fitter, prior, lookalike_share=share)
    engine = engine_of(indexes[corpus.name])  # opens the version with the model just stored
    engine.blend = blend
    return measure(engine, labeled(corpus))


def as_shipped(corpus: Corpus, index: Path) -> dict[str, Any]:
    """The corpus measured with the shipped blend, prior and models, as `kb serve` runs it."""
    version = layout.current_version(index)
    assert version is not None
    (version / layout.CONFIDENCE).unlink(missing_ok=True)
    engine = engine_of(index)
    practice.prepare_version(version, index, semantic=True, language=DEFAULT_LANGUAGE)
    engine = engine_of(index)
    engine.blend = Blend.load()
    return measure(engine, labeled(corpus))


def table(name: str, result: dict[str, Any]) -> str:
    cols = ("n", *SHOWN, "fts5_hit@1", "ece")
    lines = [
        f"## {name}",
        "",
        "| group | " + " | ".join(cols) + " |",
        "|---" * (len(cols) + 1) + "|",
    ]
    for group, vals in result.items():
        cells = [
            "" if c not in vals else str(vals[c]) if c == "n" else f"{vals[c]:.3f}" for c in cols
        ]
        lines.append(f"| {group} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.loco", description=__doc__)
    parser.add_argument("--work", type=Path, default=REPO / "bench" / ".cache" / "loco")
    parser.add_argument("--fresh", action="store_true", help="rebuild the indexes")
    parser.add_argument("--only", default="", help="corpora to hold out, comma-separated")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--lookalikes",
        type=float,
        default=practice.LOOKALIKE_SHARE,
        help="look-alike rows per prior row in a held-out corpus's fit (0: none)",
    )
    args = parser.parse_args(argv)
    indexes = {}
    for corpus in CORPORA:
        index = args.work / corpus.name
        if args.fresh or layout.current_version(index) is None:
            build_index(
                corpus.content,
                index,
                semantic=True,
                default_channels=default_content_dir() / "channels.yaml",
            )
        indexes[corpus.name] = index
    wanted = set(filter(None, args.only.split(","))) or {c.name for c in CORPORA}
    results: dict[str, Any] = {}
    for corpus in CORPORA:
        if corpus.name not in wanted:
            continue
        results[f"{corpus.name} (held out)"] = held_out(corpus, indexes, args.lookalikes)
        print(table(f"{corpus.name} (held out)", results[f"{corpus.name} (held out)"]), flush=True)
        if corpus.name == "shipped":
            results["shipped (as shipped)"] = as_shipped(corpus, indexes[corpus.name])
            print(table("shipped (as shipped)", results["shipped (as shipped)"]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
