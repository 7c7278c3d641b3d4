"""The benchmark suite runs end to end in --quick mode and writes a complete report."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from indexer import encoder
from tests.helpers.clock import booted_moments_ago

REPO = Path(__file__).resolve().parents[2]
CORPORA = ("default", "gen-300")
ENGINES = (
    ("kb", "cold"),
    ("kb", "warm"),
    ("sqlite-fts5", "cold"),
    ("tantivy", "cold"),
)
TARGETS = ("bare", "kb-warm", "kb-cold")


def finite(row: dict[str, Any], *keys: str) -> bool:
    return all(isinstance(row[k], int | float) and math.isfinite(row[k]) for k in keys)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`python -m bench --quick` run once into a temporary folder (corpus cache there too), on a
    clock reading as a machine booted moments ago where time namespaces allow it."""
    base = tmp_path_factory.mktemp("bench")
    out = base / "results"
    done = subprocess.run(
        [
            *booted_moments_ago(),
            sys.executable,
            "-m",
            "bench",
            "--quick",
            "--out",
            str(out),
            "--cache",
            str(base / "cache"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return out


@pytest.fixture(scope="module")
def results(quick_run: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((quick_run / "results.json").read_text(encoding="utf-8"))
    return data


@pytest.mark.slow
def test_report_files_are_written(quick_run: Path) -> None:
    """A quick run leaves results.json, RESULTS.md with every section, and a PNG chart."""
    md = (quick_run / "RESULTS.md").read_text(encoding="utf-8")
    for heading in (
        "## Headline",
        "## Corpora",
        "## Indexing",
        "## Search in-process",
        "## Suggest as you type",
        "## Search over HTTP",
        "## Answer quality",
        "## Where kb's search time goes",
    ):
        assert heading in md
    assert "AMD" in md or "Intel" in md or "cores" in md
    assert (quick_run / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (quick_run / "search-profile.txt").stat().st_size > 0
    assert (quick_run / "incremental-profile.txt").stat().st_size > 0


@pytest.mark.slow
def test_indexing_rows_cover_every_corpus(results: dict[str, Any]) -> None:
    """Every corpus has a full-build row with finite time and size, an edited article is found,
    and an edit made under a running kb serve goes live in every one of its workers."""
    rows = {r["corpus"]: r for r in results["indexing"]}
    assert set(rows) == set(CORPORA)
    for row in rows.values():
        assert row["chunks"] > 0 and finite(row, "build_s", "index_bytes")
    for inc in results["incremental"]:
        assert inc["found"] == inc["edits"], inc
        assert finite(inc, "build_s", "swap_s", "first_search_s", "total_s")
        assert inc["live_workers"] >= 2 and inc["live_edits"] == inc["edits"], inc
        assert 0 < inc["live_published_s"] <= inc["live_first_worker_s"], inc
        assert inc["live_first_worker_s"] <= inc["live_every_worker_s"], inc
        assert inc["live_every_worker_s"] <= inc["live_max_every_worker_s"], inc
        assert inc["live_requests"] > 0 and inc["live_failed_requests"] == 0, inc
        assert inc["live_longest_request_ms"] > 0 and inc["live_longest_before_ms"] > 0, inc
    peers = {(r["corpus"], r["engine"]) for r in results["peer_builds"]}
    assert peers == {(c, e) for c in CORPORA for e in ("sqlite-fts5", "tantivy")}


@pytest.mark.slow
def test_the_index_searched_is_the_one_the_edits_left(
    quick_run: Path, results: dict[str, Any]
) -> None:
    """The search and HTTP steps record the index they searched: after the indexing step's edits
    (incremental builds), more segments than a full build's and the edited chunks marked deleted;
    the report says so."""
    states = {(r["step"], r["corpus"]): r for r in results["index_state"]}
    assert set(states) == {("search", c) for c in CORPORA} | {("http", "gen-300")}
    for state in states.values():
        assert state["segments"] >= 2 and state["deleted"] > 0 and state["chunks"] > 0, state
    built = {r["corpus"]: r["chunks"] for r in results["indexing"]}
    assert all(s["chunks"] == built[s["corpus"]] for s in states.values())
    assert "marked deleted" in (quick_run / "RESULTS.md").read_text(encoding="utf-8")


@pytest.mark.slow
def test_search_rows_cover_every_engine(results: dict[str, Any]) -> None:
    """In-process latency rows exist for kb (cold and warm) and for both peers on every corpus."""
    rows = {(r["corpus"], r["engine"], r["mode"]): r for r in results["search"]}
    for corpus in CORPORA:
        for engine, mode in ENGINES:
            row = rows[(corpus, engine, mode)]
            assert row["n"] > 0 and row["errors"] == 0
            assert finite(row, "p50_ms", "p95_ms", "p99_ms")
            assert row["p50_ms"] <= row["p99_ms"]


@pytest.mark.slow
def test_suggest_rows_cover_every_corpus(results: dict[str, Any]) -> None:
    """Suggest latency rows exist for kb and the FTS5 peer on every corpus, over the same keystrokes."""
    rows = {(r["corpus"], r["engine"]): r for r in results["suggest"]}
    assert set(rows) == {(c, e) for c in CORPORA for e in ("kb", "sqlite-fts5")}
    for row in rows.values():
        assert row["n"] > 0 and row["errors"] == 0 and row["completions"] > 0
        assert finite(row, "p50_ms", "p99_ms") and row["p50_ms"] <= row["p99_ms"]


@pytest.mark.slow
def test_http_rows_cover_every_target(results: dict[str, Any]) -> None:
    """HTTP rows exist for bare, kb-warm and kb-cold at 1 and 2 workers, with no non-2xx answer,
    each measured in the same number of segments taken in turns."""
    rows = {(r["workers"], r["target"]): r for r in results["http"]}
    assert set(rows) == {(w, t) for w in (1, 2) for t in TARGETS}
    for (_, target), row in rows.items():
        assert row["status_errors"] == 0, row
        assert finite(row, "rps", "p50_ms", "p99_ms")
        if target == "bare":
            assert row["requests"] > 0
        assert row["worker_rss_mb"] > 10, row  # resident memory of the largest serving process
        assert row["rounds"] >= 2 and len(row["segment_rps"]) == row["rounds"], row
        assert row["requests"] == 0 or min(row["segment_rps"]) > 0, row
    # one kb-warm worker's /metrics gives the share of its searches no cache level answered
    share = rows[(1, "kb-warm")]["searched_share"]
    assert share is not None and 0.0 <= share <= 1.0


@pytest.mark.slow
def test_quality_and_profile_rows(results: dict[str, Any]) -> None:
    """Answer quality is a share in [0, 1] per engine, and the profile covers kb's phases."""
    engines = {r["engine"] for r in results["quality"]}
    assert engines == {"kb", "sqlite-fts5", "tantivy"}
    for row in results["quality"]:
        assert 0.0 <= row["hit@1"] <= 1.0 and 0.0 <= row["mrr@5"] <= 1.0
    phases = {p["phase"]: p for p in results["profile"]["phases"]}
    assert phases["whole search (SearchEngine.search)"]["seconds"] > 0
    assert all(finite(p, "seconds", "share") for p in phases.values())


@pytest.mark.slow
@pytest.mark.skipif(not encoder.available(), reason="kb[semantic] is not installed")
def test_semantic_rows_set_both_paths_side_by_side(
    quick_run: Path, results: dict[str, Any]
) -> None:
    """The semantic step builds, searches and serves the same corpus by words and by meaning as
    well: build time per 1,000 sections with texts embedded only where no vector was kept,
    in-process latency with every cache off taken on each path, and warm HTTP rows with each
    server's search path and worker memory beside the bare endpoint, FTS5 timed beside the two
    paths, one changed article found by meaning; the report has its section."""
    sem = results["semantic"]
    builds = {(r["path"], r["build"]): r for r in sem["builds"]}
    assert set(builds) == {("words", "first"), ("semantic", "first"), ("semantic", "unchanged")}
    for row in builds.values():
        assert row["sections"] > 0 and finite(row, "build_s", "per_1000_sections_s"), row
    assert builds[("words", "first")]["embedded"] == 0
    assert builds[("semantic", "first")]["embedded"] > 0
    assert (
        builds[("semantic", "first")]["vectors_s"] > 0
        and builds[("words", "first")]["fit_s"] is None
    )
    assert builds[("semantic", "unchanged")]["embedded"] == 0

    search = {r["path"]: r for r in sem["search"]}
    assert {p: r["answered_by"] for p, r in search.items()} == {
        "words": "words",
        "semantic": "semantic",
        "fts5": "sqlite-fts5",
    }
    for row in search.values():
        assert row["n"] > 0 and row["errors"] == 0 and finite(row, "p50_ms", "p99_ms"), row

    edits = sem["edits"]
    assert edits["found"] == edits["edits"] > 0 and finite(edits, "total_s", "max_total_s"), edits

    http = {r["target"]: r for r in sem["http"] if r["workers"] == 1}
    assert set(http) == {"bare", "kb-warm", "kb-semantic"}
    assert http["kb-warm"]["search_path"] == "words"
    assert http["kb-semantic"]["search_path"] == "semantic"
    for row in http.values():
        assert row["status_errors"] == 0 and finite(row, "rps", "p99_ms"), row
        assert row["worker_rss_mb"] > 10, row
    assert "## Semantic path" in (quick_run / "RESULTS.md").read_text(encoding="utf-8")
