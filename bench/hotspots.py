"""Where a kb search spends its time: cProfile over cold searches, grouped into kb's phases."""

from __future__ import annotations

import cProfile
import io
import pstats
import re
from pathlib import Path
from typing import Any

from bench.corpora import REPO
from bench.search import WARMUP, measure, open_engine

# (label, file suffix, function name): cumulative time of each phase of SearchEngine.search.
PHASES: tuple[tuple[str, str, str], ...] = (
    ("whole search (SearchEngine.search)", "kb/engine/search.py", "search"),
    ("query analysis (kb.engine.query.analyze)", "kb/engine/query.py", "analyze"),
    ("  of which typo correction (Vocabulary.correct)", "kb/engine/vocabulary.py", "correct"),
    ("BM25F scoring over the postings (kb.engine.scoring.score)", "kb/engine/scoring.py", "score"),
    ("  of which multi-word synonyms (phrase_docs)", "kb/engine/scoring.py", "phrase_docs"),
    ("top chunks (_top)", "kb/engine/search.py", "_top"),
    ("grouping hits by article (_group)", "kb/engine/search.py", "_group"),
    ("confidence (_score)", "kb/engine/search.py", "_score"),
    ("answers (_answer)", "kb/engine/search.py", "_answer"),
    ("  of which snippets (kb.engine.snippet.snippet)", "kb/engine/snippet.py", "snippet"),
    ("channel choice (ChannelBook.choose)", "kb/engine/channels.py", "choose"),
)
TOP = 25


def profile(corpus: str, index: Path, queries: list[str], out_file: Path) -> dict[str, Any]:
    """Profile cold searches of `queries`; writes the full pstats listing to `out_file`."""
    engine = open_engine(index, cache_size=0)
    measure(engine, queries[:WARMUP])
    profiler = cProfile.Profile()
    profiler.enable()
    measure(engine, queries)
    profiler.disable()
    engine.holder.close()

    stats = pstats.Stats(profiler)
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]
    total = sum(tt for _, _, tt, _, _ in raw.values())

    def cumulative(suffix: str, name: str) -> float:
        return sum(
            ct for (f, _, fn), (_, _, _, ct, _) in raw.items() if fn == name and f.endswith(suffix)
        )

    # A phase whose function kb no longer has is left out rather than shown as 0.
    phases = [
        {
            "phase": label,
            "seconds": cumulative(suffix, name),
            "share": cumulative(suffix, name) / total,
        }
        for label, suffix, name in PHASES
        if any(fn == name and f.endswith(suffix) for f, _, fn in raw)
    ]
    top = sorted(raw.items(), key=lambda kv: -kv[1][2])[:TOP]
    functions = [
        {
            "function": f"{_short(f)}:{line}({fn})",
            "calls": nc,
            "tottime_s": tt,
            "cumtime_s": ct,
            "share": tt / total,
        }
        for (f, line, fn), (_, nc, tt, ct, _) in top
    ]
    listing = io.StringIO()
    pstats.Stats(profiler, stream=listing).sort_stats("tottime").print_stats(60)
    pstats.Stats(profiler, stream=listing).sort_stats("cumulative").print_stats(60)
    out_file.write_text(listing.getvalue(), encoding="utf-8")
    return {
        "corpus": corpus,
        "queries": len(queries),
        "profiled_s": total,
        "ms_per_query": total / len(queries) * 1000 if queries else float("nan"),
        "phases": phases,
        "top": functions,
        "listing": out_file.name,
    }


def _short(path: str) -> str:
    """A profiled file's path from its package on (site-packages, the repo, the stdlib cut off)."""
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1]
    if path.startswith(f"{REPO}/"):
        return path[len(str(REPO)) + 1 :]
    return re.sub(r"^.*/python3\.\d+/", "", path)
