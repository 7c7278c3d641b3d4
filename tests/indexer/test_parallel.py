"""Parsing in worker processes: the same articles and errors as parsing in one, in the same order."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from indexer import build_index, find_sources
from indexer.parallel import PARALLEL_MIN, parse_sources
from kb import layout
from kb.errors import ArticleError, BuildError
from kb.schema import Article
from tests.conftest import CONTENT
from tests.indexer.test_build import make_content


def _outcomes(results: list[Article | ArticleError]) -> list[object]:
    return [(r.path, r.reason) if isinstance(r, ArticleError) else r.to_json() for r in results]


def test_workers_parse_exactly_what_one_process_parses(tmp_path: Path) -> None:
    """Worker processes give the same articles and errors, in the same order, as one process."""
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    (content / "bad.md").write_text("---\ntitle: [oops\n---\ntext", encoding="utf-8")
    (content / "latin1.md").write_bytes(b"# Caf\xe9\n")
    sources = list(find_sources(content))
    known = {"chat", "email", "phone"}

    serial = list(parse_sources(sources, known, workers=1))
    parallel = list(parse_sources(sources, known, workers=2))

    assert _outcomes(parallel) == _outcomes(serial)
    assert {r.path for r in parallel if isinstance(r, ArticleError)} >= {"bad.md", "latin1.md"}


def test_large_build_reports_malformed_articles_with_their_paths(tmp_path: Path) -> None:
    """A build big enough to parse in workers still names each malformed file and obeys --strict."""
    content = make_content(tmp_path / "c", PARALLEL_MIN)
    (content / "sub").mkdir()
    (content / "sub" / "bad.md").write_text("---\ntitle: [oops\n---\ntext", encoding="utf-8")

    report = build_index(content, tmp_path / "index")
    assert report.articles == PARALLEL_MIN
    assert [(e.path, "bad front matter" in e.reason) for e in report.skipped] == [
        ("sub/bad.md", True)
    ]
    live = layout.current_version(tmp_path / "index")
    assert live is not None
    ids = [a["id"] for a in json.loads((live / layout.ARTICLES).read_text(encoding="utf-8"))]
    assert ids == [f"art-{path.stem[1:]}" for path in sorted(content.glob("a*.md"))]

    with pytest.raises(BuildError, match="sub/bad.md"):
        build_index(content, tmp_path / "index", strict=True)
