"""Which static-site generator a file was written for, from what it holds.

Each generator leaves marks no other one does: Docusaurus its MDX imports, `:::` admonitions and
sidebar fields; Hugo its shortcodes and `linkTitle`/`_build` fields; Jekyll its Liquid tags and
kramdown attribute lists; MkDocs its `!!!` admonitions, `===` tabs and snippets. The marks are
counted and the generator with the most wins; a file with none is plain Markdown.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Literal, get_args

from indexer.ingest.fences import code_mask

Format = Literal["jekyll", "hugo", "docusaurus", "mkdocs", "plain"]
FORMATS: tuple[str, ...] = get_args(Format)

_BODY_MARKS: dict[Format, re.Pattern[str]] = {
    "docusaurus": re.compile(
        r"^import\s.+\sfrom\s+['\"]|^export\s+(?:const|default|function)\s|^\s*:::[a-z]"
        r"|useBaseUrl\(|^<[A-Z][A-Za-z]+[\s/>]|\{/\*",
        re.M,
    ),
    "hugo": re.compile(r"\{\{[<%]"),
    "jekyll": re.compile(
        r"\{%-?\s*(?:comment|raw|include|link|post_url|highlight|capture)\b|\{:|"
        r"\{\{-?\s*(?:site|page)\.|\{::"
    ),
    "mkdocs": re.compile(
        r"^\s*(?:!!!|\?\?\?\+?)\s+[a-z]|^===\+?\s+\"|--8<--|\{!.+!\}|^///\s*[a-z]", re.M
    ),
}
_META_MARKS: dict[Format, frozenset[str]] = {
    "docusaurus": frozenset(
        {
            "sidebar_label",
            "sidebar_position",
            "displayed_sidebar",
            "unlisted",
            "hide_title",
            "hide_table_of_contents",
            "toc_max_heading_level",
        }
    ),
    "hugo": frozenset({"linkTitle", "_build", "build", "aliases", "cascade", "weight", "headless"}),
    "jekyll": frozenset(
        {
            "layout",
            "permalink",
            "redirect_from",
            "redirect_to",
            "published",
            "sitemap",
            "nav_order",
            "parent",
            "has_children",
        }
    ),
    "mkdocs": frozenset({"hide", "search", "status", "icon"}),
}


# Files already looked at by this process, by a digest of what detect reads: every build reads every
# file (indexer.ingest.site.scan), and a process that rebuilds on each edit (KB_WATCH) would
# otherwise match the marks of every unchanged file again (≈ 1.2 s on 1,790 files, most of an
# incremental build). Cleared when full: 16-byte keys, ≈ 20 MB at most.
_SEEN: dict[bytes, Format] = {}
_SEEN_MAX = 200_000


def detect(rel: str, meta: dict[str, Any], body: str) -> Format:
    """The generator whose conventions `body` (outside fenced code) and `meta` follow most; "plain"
    when none shows."""
    if rel.endswith(".mdx"):
        return "docusaurus"
    # The field names, then a byte UTF-8 never holds, then the body: no two inputs give one text.
    names = "\0".join(sorted(map(str, meta))).encode("utf-8", "surrogatepass")
    digest = hashlib.blake2b(names, digest_size=16)
    digest.update(b"\xff")
    digest.update(body.encode("utf-8", "surrogatepass"))
    key = digest.digest()
    found = _SEEN.get(key)
    if found is None:
        found = _detect(meta, body)
        if len(_SEEN) >= _SEEN_MAX:
            _SEEN.clear()
        _SEEN[key] = found
    return found


def _detect(meta: dict[str, Any], body: str) -> Format:
    # Marks inside fenced code are examples (a Hugo page showing JavaScript imports), not syntax.
    lines = body.split("\n")
    prose = "\n".join(line for line, code in zip(lines, code_mask(lines), strict=True) if not code)
    scores: dict[Format, int] = {}
    for fmt, pattern in _BODY_MARKS.items():
        scores[fmt] = 2 * len(pattern.findall(prose)) + len(_META_MARKS[fmt] & meta.keys())
    best = max(scores, key=lambda f: scores[f])
    return best if scores[best] > 0 else "plain"
