"""The `kb` command as a user runs it: index, search, eval, settings, and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import CONTENT, SHARED

KB = [sys.executable, "-m", "kb"]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {
        **os.environ,
        "KB_ENV": "development",
        "NO_COLOR": "1",
        "COLUMNS": "160",
        **(env or {}),
    }
    return subprocess.run([*KB, *args], capture_output=True, text=True, env=full_env, timeout=300)


def test_index_then_search(tmp_path: Path) -> None:
    """`kb index` reports what it built; `kb search` prints answers, confidence and channel."""
    built = run("index", "--content", str(CONTENT), "--index", str(tmp_path / "ix"))
    assert built.returncode == 0, built.stderr
    assert "indexed" in built.stdout and "skipped 0" in built.stdout
    found = run("search", "someone hacked my account", "--index", str(tmp_path / "ix"))
    assert found.returncode == 0, found.stderr
    assert "account-security" in found.stdout and "Phone support" in found.stdout
    as_json = run("search", "charged twice", "--json", "--index", str(tmp_path / "ix"))
    assert json.loads(as_json.stdout)["channel"]["id"] == "billing-support"


def test_index_reports_skipped_files_and_strict_fails(tmp_path: Path) -> None:
    """Skipped files are listed with their reason; --strict exits non-zero on them."""
    content = tmp_path / "c"
    content.mkdir()
    (content / "good.md").write_text("---\ntitle: Good\n---\n## A\n\ntext\n", encoding="utf-8")
    (content / "bad.md").write_text("---\ntitle: [x\n---\n", encoding="utf-8")
    lenient = run("index", "--content", str(content), "--index", str(tmp_path / "ix"))
    assert lenient.returncode == 0 and "skipped bad.md: bad front matter" in lenient.stderr
    strict = run("index", "--strict", "--content", str(content), "--index", str(tmp_path / "ix2"))
    assert strict.returncode == 1
    assert strict.stderr.startswith("error:") and "Traceback" not in strict.stderr


def test_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    """A missing content folder or labeled file is one clear line and exit code 1, given before
    any index is built."""
    missing = run("index", "--content", str(tmp_path / "nope"), "--index", str(tmp_path / "ix"))
    assert missing.returncode == 1 and "content folder not found" in missing.stderr
    assert "Traceback" not in missing.stderr
    no_file = run(
        "eval",
        str(tmp_path / "none.jsonl"),
        "--index",
        str(tmp_path / "ix"),
        "--content",
        str(CONTENT),
    )
    assert no_file.returncode == 1 and "cannot read" in no_file.stderr
    assert not (tmp_path / "ix").exists()
    # a setting out of range, or a typo language with no word list: named, for any command
    for env, name in (
        ({"KB_CACHE_SIZE": "-5"}, "KB_CACHE_SIZE"),
        ({"KB_TYPO_LANGUAGE": "xx"}, "KB_TYPO_LANGUAGE"),
    ):
        for command in (("search", "refund"), ("serve", "--port", "1")):
            bad = run(*command, env=env)
            assert bad.returncode == 1 and f"invalid setting: {name}" in bad.stderr, bad.stderr
            assert "Traceback" not in bad.stderr


def test_eval_prints_metrics_baseline_and_reliability(index_copy: Path) -> None:
    """`kb eval --baseline` prints the metrics table beside the baseline and a reliability table."""
    result = run(
        "eval", str(SHARED / "eval" / "dev.jsonl"), "--baseline", "--index", str(index_copy)
    )
    assert result.returncode == 0, result.stderr
    for word in (
        "hit@1",
        "mrr@5",
        "fallback_acc",
        "baseline",
        "reliability",
        "expected calibration error",
    ):
        assert word in result.stdout
    as_json = json.loads(
        run("eval", str(SHARED / "eval" / "dev.jsonl"), "--json", "--index", str(index_copy)).stdout
    )
    assert 0 <= as_json["kb"]["all"]["hit@1"] <= 1 and "ece" in as_json


def test_settings_lists_every_variable() -> None:
    """`kb settings` names every KB_ variable."""
    from kb.config import Settings

    out = run("settings").stdout
    for name in Settings.model_fields:
        assert f"KB_{name.upper()}" in out


def test_serve_refuses_the_example_admin_key_in_production(tmp_path: Path) -> None:
    """Outside development, `kb serve` refuses an admin key left at its example value."""
    result = run(
        "serve",
        "--index",
        str(tmp_path / "ix"),
        env={"KB_ENV": "production", "KB_ADMIN_KEY": "change-me"},
    )
    assert result.returncode == 1 and "example value" in result.stderr
