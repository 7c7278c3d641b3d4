"""`python -m bench`: run kb's benchmark suite and write results.json, RESULTS.md and chart.png.

Steps (all by default; pick some with --only, comma-separated):
  indexing  full build time and size per corpus, where the time goes, edit → searchable time
  search    in-process kb search latency, result cache off (cold) and on (warm)
  peers     SQLite FTS5 and tantivy on the same chunks: build time, size and latency, same queries
  quality   hit@1 / MRR@5 of kb and the peers on the labeled queries (default content)
  suggest   suggest-as-you-type latency per keystroke, kb vs SQLite FTS5 prefix queries
  http      req/s and latency over HTTP, kb vs a bare FastAPI endpoint, 1 and N workers (wrk)
  semantic  the semantic path (kb[semantic]) beside words on gen-10k: first and unchanged
            builds, in-process p99 with every cache off (FTS5 beside it), one changed article
            until found, warm HTTP req/s vs the bare endpoint, memory per serving worker
            (skipped when the extra is not installed)
  profile   cProfile of cold kb searches on the 10k corpus, grouped into kb's phases

Corpora: default content, generated 1k and 10k section chunks (100k with --full); --quick runs tiny
ones with few queries and short HTTP runs (what tests/bench runs). Generated corpora are cached in
--cache (default bench/.cache); the run's indexes live in a work folder there, removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from bench import (
    corpora,
    hotspots,
    http_load,
    indexing,
    peers,
    quality,
    report,
    search,
    semantic,
    suggest,
)
from bench.corpora import Corpus

STEPS = ("indexing", "search", "peers", "quality", "suggest", "http", "semantic", "profile")
HERE = Path(__file__).resolve().parent


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny corpora, few queries, short HTTP runs"
    )
    parser.add_argument(
        "--full", action="store_true", help="also the 100k-chunk corpus (minutes more)"
    )
    parser.add_argument("--out", type=Path, default=HERE / "results", help="where the report goes")
    parser.add_argument(
        "--cache", type=Path, default=HERE / ".cache", help="generated corpora cache"
    )
    parser.add_argument(
        "--only", default=",".join(STEPS), help=f"steps to run, of: {', '.join(STEPS)}"
    )
    parser.add_argument("--seed", type=int, default=1, help="corpus and query-log seed")
    parser.add_argument(
        "--corpora",
        default="",
        help="only these corpora, comma-separated (e.g. gen-100k with --full)",
    )
    args = parser.parse_args(argv)
    args.corpus_names = [c.strip() for c in args.corpora.split(",") if c.strip()]
    args.steps = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in args.steps if s not in STEPS]
    if unknown:
        parser.error(f"unknown step(s) {', '.join(unknown)}; choose from {', '.join(STEPS)}")
    if args.quick and args.full:
        parser.error("--quick and --full exclude each other")
    return args


class Run:
    """One benchmark run: its corpora, the indexes built for it, and the results so far."""

    def __init__(self, args: argparse.Namespace, argv: list[str]) -> None:
        self.args = args
        self.quick: bool = args.quick
        self.out: Path = args.out
        self.work: Path = args.cache / "work" / f"run-{os.getpid()}"
        self.serving_workers = max(2, os.cpu_count() or 1)  # one per core, at least two
        self.built: dict[str, indexing.Built] = {}
        self.engines: dict[str, list[peers.Engine]] = {}
        self.results: dict[str, Any] = {
            "started": time.strftime("%Y-%m-%d %H:%M:%S %z"),
            "command": " ".join(["python -m bench", *argv]),
            "mode": "quick" if args.quick else ("full" if args.full else "default"),
            "steps": args.steps,
            "machine": report.machine(),
            "load_before": list(os.getloadavg()),
        }
        self.corpora: list[Corpus] = []

    # Sizes of each step by mode.
    def cold_queries(self, corpus: Corpus) -> list[str]:
        n = 60 if self.quick else (200 if corpus.name == "gen-100k" else 1000)
        return corpus.log_queries()[:n]

    def http_load(self) -> http_load.Load:
        if self.quick:
            return http_load.Load(
                connections=8, warmup_s=0, duration_s=2, log_length=2_000, rounds=2
            )
        return http_load.Load(
            connections=16,
            warmup_s=5,
            duration_s=10,
            log_length=200_000,
            rounds=5,
            warm_entries=40_000,
        )

    def semantic_corpus(self) -> Corpus | None:
        """The corpus the semantic step runs on: 10,000 sections, the size the build guard is set
        for (the shipped help center under --quick, whose 16 articles embed in seconds)."""
        name = "default" if self.quick else "gen-10k"
        return next((c for c in self.corpora if c.name == name), None)

    def http_corpora(self) -> list[Corpus]:
        names = ("gen-300",) if self.quick else ("default", "gen-10k")
        return [c for c in self.corpora if c.name in names]

    def profile_corpus(self) -> Corpus | None:
        """The corpus profiled: the largest generated one, 100k only when it is all there is."""
        generated = [c for c in self.corpora if c.sections]
        smaller = [c for c in generated if c.name != "gen-100k"] or generated
        return max(smaller, key=lambda c: c.sections or 0, default=None)

    def save(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        (self.out / "results.json").write_text(json.dumps(self.results, indent=1), encoding="utf-8")

    def index_of(self, corpus: Corpus) -> indexing.Built:
        if corpus.name not in self.built:
            log(f"indexing {corpus.name} (untimed, for the steps that need an index)")
            self.built[corpus.name] = indexing.build_untimed(corpus, self.work)
        return self.built[corpus.name]

    def note_index_state(self, step: str, built: indexing.Built) -> None:
        """Record the index a step measures search on (segments, deleted chunks)."""
        state = indexing.index_state(built)
        self.results.setdefault("index_state", []).append({"step": step, **state})

    def peers_of(self, corpus: Corpus) -> list[peers.Engine]:
        if corpus.name not in self.engines:
            built = self.index_of(corpus)
            engines, rows = peers.build_peers(built.version, self.work / corpus.name / "peers")
            self.results.setdefault("peer_builds", []).extend(
                {"corpus": corpus.name, **r} for r in rows
            )
            self.engines[corpus.name] = engines
        return self.engines[corpus.name]

    def run(self) -> None:
        started = time.perf_counter()
        remove_abandoned(self.work.parent)
        shutil.rmtree(self.work, ignore_errors=True)
        self.work.mkdir(parents=True)
        self.out.mkdir(parents=True, exist_ok=True)
        try:
            self.prepare()
            for step in STEPS:
                if step in self.args.steps:
                    t = time.perf_counter()
                    getattr(self, f"step_{step}")()
                    log(f"{step} done in {time.perf_counter() - t:.1f} s")
                    self.save()
        finally:
            for engines in self.engines.values():
                for e in engines:
                    e.close()
            shutil.rmtree(self.work, ignore_errors=True)
        self.results["load_after"] = list(os.getloadavg())
        self.results["elapsed_s"] = time.perf_counter() - started
        self.save()
        (self.out / "RESULTS.md").write_text(report.markdown(self.results), encoding="utf-8")
        report.chart(self.results, self.out / "chart.png")
        log(f"report: {self.out / 'RESULTS.md'} and chart.png ({self.results['elapsed_s']:.0f} s)")

    def prepare(self) -> None:
        chosen = corpora.plans(self.quick, self.args.full)
        if self.args.corpus_names:
            chosen = [p for p in chosen if p.name in self.args.corpus_names]
        if not chosen:
            raise SystemExit(f"no corpus named {self.args.corpora!r} in this mode")
        for plan in chosen:
            t = time.perf_counter()
            corpus = corpora.prepare(plan, self.args.cache, self.args.seed)
            how = "cached" if corpus.generated_s is None else "generated"
            log(
                f"corpus {corpus.name}: {corpus.articles} articles ({how}, {time.perf_counter() - t:.1f} s)"
            )
            self.corpora.append(corpus)
        self.results["corpora"] = [c.describe() for c in self.corpora]

    def step_indexing(self) -> None:
        rows, incremental = [], []
        biggest = self.profile_corpus()
        for corpus in self.corpora:
            log(f"full build of {corpus.name}")
            small = corpus.sections is None or corpus.sections <= 1000
            built, row = indexing.build(
                corpus, self.work, repeats=3 if small and not self.quick else 1
            )
            self.built[corpus.name] = built
            rows.append(row)
            log(f"  {row['chunks']} chunks in {row['build_s']:.2f} s; edit → searchable")
            profile_to = None
            if corpus is biggest:
                profile_to = self.out / "incremental-profile.txt"
                self.results["incremental_profile"] = profile_to.name
            edits = 2 if self.quick else indexing.EDITS
            row = indexing.incremental(built, edits=edits, profile_to=profile_to)
            log(f"  edit → live in every worker of kb serve ({self.serving_workers} workers)")
            row.update(indexing.live_edits(built, self.work, self.serving_workers, edits))
            incremental.append(row)
        self.results["indexing"] = rows
        self.results["incremental"] = incremental

    def step_search(self) -> None:
        rows = self.results.setdefault("search", [])
        for corpus in self.corpora:
            log(f"in-process search on {corpus.name}")
            built = self.index_of(corpus)
            self.note_index_state("search", built)
            rows.extend(
                search.run(
                    corpus.name, built.index, self.cold_queries(corpus), corpus.log_queries()
                )
            )

    def step_peers(self) -> None:
        rows = self.results.setdefault("search", [])
        for corpus in self.corpora:
            log(f"peers on {corpus.name}")
            queries = self.cold_queries(corpus)
            for engine in self.peers_of(corpus):
                rows.append({"corpus": corpus.name, **peers.latency(engine, queries)})

    def step_quality(self) -> None:
        default = next((c for c in self.corpora if c.name == "default"), None)
        if default is None:
            log("quality needs the default corpus; skipped")
            return
        # A build of its own, peers included: the indexing step's edit-to-searchable runs change
        # the content the other steps use, and the labels are about the shipped articles.
        built = indexing.build_untimed(default, self.work / "quality")
        engines, _ = peers.build_peers(built.version, self.work / "quality" / "peers")
        self.results["quality"] = quality.run(built.index, engines)

    def step_suggest(self) -> None:
        rows = self.results.setdefault("suggest", [])
        n = 300 if self.quick else 5000
        for corpus in self.corpora:
            log(f"suggest on {corpus.name}")
            built = self.index_of(corpus)
            rows.extend(suggest.run(corpus.name, built.index, corpus.log_queries(), n))

    def step_http(self) -> None:
        rows = self.results.setdefault("http", [])
        load = self.http_load()
        workers = (1, self.serving_workers)
        for corpus in self.http_corpora():
            log(f"HTTP on {corpus.name}: {', '.join(map(str, workers))} worker(s)")
            built = self.index_of(corpus)
            self.note_index_state("http", built)
            queries = corpus.replay(load.log_length, self.args.seed)
            rows.extend(
                http_load.run(
                    corpus.name, built.index, built.content, queries, load, self.work, workers
                )
            )

    def step_semantic(self) -> None:
        corpus = self.semantic_corpus()
        if not semantic.available():
            log("semantic: the kb[semantic] extra is not installed; skipped")
            return
        if corpus is None:
            log("semantic needs the gen-10k corpus (default under --quick); skipped")
            return
        work = self.work / "semantic"
        log(f"semantic on {corpus.name}: full builds by words and with vectors")
        built, builds = semantic.build(corpus, work)
        self.results["semantic"] = {"corpus": corpus.name, "builds": builds}
        self.save()
        log(
            f"semantic on {corpus.name}: in-process search with every cache off, both paths and FTS5"
        )
        self.results["semantic"]["search"] = semantic.cold(
            corpus.name, built, self.cold_queries(corpus), work
        )
        self.save()
        log(f"semantic on {corpus.name}: one changed article until it is found")
        self.results["semantic"]["edits"] = semantic.edits(built)
        self.save()
        workers = (1,) if self.quick else (1, self.serving_workers)
        log(f"semantic on {corpus.name}: HTTP, {', '.join(map(str, workers))} worker(s)")
        load = self.http_load()
        queries = corpus.replay(load.log_length, self.args.seed)
        self.results["semantic"]["http"] = semantic.http(
            corpus, built, queries, load, work, workers
        )

    def step_profile(self) -> None:
        corpus = self.profile_corpus()
        if corpus is None:
            return
        log(f"profiling kb search on {corpus.name}")
        built = self.index_of(corpus)
        n = 30 if self.quick else 150
        self.results["profile"] = hotspots.profile(
            corpus.name, built.index, corpus.log_queries()[:n], self.out / "search-profile.txt"
        )


def remove_abandoned(work_root: Path) -> None:
    """Delete the work folders of earlier runs that were killed (their process is gone)."""
    for folder in work_root.glob("run-*"):
        pid = folder.name.removeprefix("run-")
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    Run(parse_args(argv), argv).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
