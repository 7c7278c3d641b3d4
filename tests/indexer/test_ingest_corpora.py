"""The real help centers in shared/corpora index with no errors and no leftover markup."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from indexer import build_index, live_articles
from indexer.chunker import plain_text
from tests.conftest import CONTENT, SHARED

CORPORA = SHARED / "corpora"
# Markup a reader must never see: template tags, attribute lists, admonition fences, MDX module
# lines, JSX components, and unrendered bold (a pair of `**` around text: a lone `**` left open
# in the source shows as written on the real site too), headings and links.
LEFTOVER = re.compile(
    r"(?m)\{%|\{\{|\{:|:::|^\s*import\s+[\w{*][^.\n]*?\sfrom\s+['\"]|^\s*export\s+(?:const|default|function)\s"
    r"|<CtaBox|\*\*[^*\s][^*\n]*\*\*|^\s*##|\[[^\]\n]+\]\("
)
CODE = re.compile(r"<pre>.*?</pre>|<code>.*?</code>", re.S)


@pytest.mark.slow
@pytest.mark.parametrize("corpus", ["plausible-docs", "hugo-docs/en"])
def test_real_corpora_index_without_errors_or_leftover_markup(tmp_path: Path, corpus: str) -> None:
    """Every article of a real Docusaurus or Hugo help center indexes, and no rendered section or
    its text shows template, MDX or Markdown syntax outside code examples."""
    source = CORPORA / corpus
    if not source.exists():
        pytest.skip(f"{source} is not beside the repository (shared/corpora)")
    content = tmp_path / "content"
    # LICENSE.md was added by the export beside the docs; it is no page of the site.
    shutil.copytree(source, content, ignore=shutil.ignore_patterns("LICENSE.md"))
    report = build_index(content, tmp_path / "index", default_channels=CONTENT / "channels.yaml")
    assert report.skipped == []
    articles = live_articles(tmp_path / "index")
    assert articles is not None and len(articles) == report.articles > 100
    found = []
    for article in articles.values():
        for section in article.sections:
            shown = CODE.sub("", section.html)
            for where in (shown, plain_text(shown)):
                found += [
                    f"{article.id}#{section.anchor}: {m.group(0)!r}"
                    for m in LEFTOVER.finditer(where)
                ]
    assert found == []
