"""Answer quality on the labeled queries over the default content: kb beside its peers.

hit@1 and MRR@5 are kb.evaluate's own metrics over answerable rows, with every engine's hits
grouped by article; kb answers through its SearchEngine exactly as `kb eval` does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.corpora import LABELED_FILES
from bench.peers import Engine
from bench.search import open_engine
from kb import evaluate


def run(index: Path, engines: list[Engine]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    kb_engine = open_engine(index, cache_size=0)
    for path in LABELED_FILES:
        if not path.exists():
            continue
        labeled = evaluate.load_labeled(path)
        results = {"kb": evaluate.metrics(evaluate.run(kb_engine, labeled))}
        for engine in engines:
            outcomes = []
            for row in labeled:
                ranked = engine.top_articles(row.q, 5)
                outcomes.append(evaluate.Outcome(row, ranked, not ranked, None, 0.0))
            results[engine.name] = evaluate.metrics(outcomes)
        answerable = sum(1 for r in labeled if not r.fallback)
        for name, m in results.items():
            rows.append(
                {
                    "queries": path.name,
                    "engine": name,
                    "answerable": answerable,
                    "hit@1": m["hit@1"],
                    "mrr@5": m["mrr@5"],
                }
            )
    kb_engine.holder.close()
    return rows
