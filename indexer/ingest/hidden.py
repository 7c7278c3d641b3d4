"""Removing what a site never shows its readers, so that it is never searched either.

Comments (HTML, MDX, Liquid, kramdown), MDX `import`/`export` lines, `<head>`, `<script>` and
`<style>` blocks (JSON-LD among them), kramdown attribute lists and options (and the list that a
`{:toc}` replaces with the page's contents, and `[TOC]` markers), Material for MkDocs' icon
shortcodes, and attribute suffixes of headings (a heading's `{#id}` is kept: the chunker makes it
the section's anchor). Outside fenced code only, except Liquid's comments and `{% raw %}` markers,
which Jekyll removes before Markdown is read. Every removal keeps the line breaks it removes, so
later warnings name the right line.
"""

from __future__ import annotations

import re

from indexer.ingest.detect import Format
from indexer.ingest.fences import blank, outside_code, sub_outside_code

_HTML_COMMENT_RE = re.compile(r"<!--.*?-->", re.S)
_MDX_COMMENT_RE = re.compile(r"\{/\*.*?\*/\}", re.S)
_BLOCK_RE = re.compile(r"<(head|script|style|noscript)\b[^>]*>.*?</\1\s*>", re.S | re.I)
_LIQUID_COMMENT_RE = re.compile(
    r"\{%-?\s*comment\s*-?%\}.*?\{%-?\s*endcomment\s*-?%\}|\{%-?\s*#.*?%\}", re.S
)
_LIQUID_RAW_RE = re.compile(r"\{%-?\s*(?:raw|endraw)\s*-?%\}")
_KRAMDOWN_COMMENT_RE = re.compile(r"\{::comment\}.*?\{:/comment\}", re.S)
_KRAMDOWN_EXTENSION_RE = re.compile(r"\{::[a-z]+[^}]*/\}|\{:/?[a-z]*\}(?=\s*$)", re.M)
# A kramdown inline or block attribute list: {:target="_blank"}, {: .note}, {:#id}, {:toc}.
_IAL_RE = re.compile(r"\{:(?!/)[^}\n]*\}")
_IAL_LINE_RE = re.compile(r"^\s*\{:[^}\n]*\}\s*$")
_IAL_ID_RE = re.compile(r"#([\w-]+)")
# kramdown's table of contents: the one-item list above `{:toc}` is replaced by the page's headings.
_TOC_LINE_RE = re.compile(r"^\s*\{:\s*toc\s*\}\s*$")
_LIST_ITEM_RE = re.compile(r"^\s*(?:[*+-]|\d+\.)\s")
_HEADING_RE = re.compile(r"^#{1,6}\s")
# An attribute suffix at the end of a heading (Goldmark, kramdown, attr_list): { #id .class key=v }.
_HEADING_ATTRS_RE = re.compile(
    r"\s*\{:?\s*((?:[#.][\w-]+|[\w-]+=\S+)(?:\s+(?:[#.][\w-]+|[\w-]+=\S+))*)\s*\}\s*$"
)
# A table-of-contents marker (Python-Markdown's and MkDocs' `[TOC]`, GitLab's `[[_TOC_]]`): the site
# shows its headings there, which kb shows as sections.
_TOC_MARKER_RE = re.compile(r"^[ \t]*(?:\[TOC\]|\[\[_TOC_\]\])[ \t]*$", re.M)
# Material for MkDocs' icon shortcodes (`:material-check:`, `:octicons-alert-16:`): an icon, no text.
_ICON_RE = re.compile(r":(?:material|fontawesome|octicons|simple)-[a-z0-9-]+:")
_MDX_MODULE_RE = re.compile(r"^(?:import\s[^\n]*(?:from\s+)?['\"][^'\"\n]+['\"];?|export\s)", re.M)


def remove_hidden(text: str, fmt: Format) -> str:
    """`text` without what `fmt`'s site never renders (line breaks kept)."""
    if fmt == "jekyll":
        text = _LIQUID_COMMENT_RE.sub(blank, text)
        text = _LIQUID_RAW_RE.sub("", text)
        text = sub_outside_code(_KRAMDOWN_COMMENT_RE, blank, text)
    text = sub_outside_code(_HTML_COMMENT_RE, blank, text)
    text = sub_outside_code(_BLOCK_RE, blank, text)
    if fmt == "docusaurus":
        text = sub_outside_code(_MDX_COMMENT_RE, blank, text)
        text = outside_code(text, _without_modules)
    if fmt == "mkdocs":
        text = sub_outside_code(_ICON_RE, blank, text)
    text = sub_outside_code(_TOC_MARKER_RE, blank, text)
    return outside_code(text, _without_attribute_lists)


def _without_modules(run: str) -> str:
    """MDX import and export statements (an export runs to its closing bracket) as blank lines."""
    lines = run.split("\n")
    out: list[str] = []
    depth = 0
    for line in lines:
        if depth > 0:
            depth += _depth(line)
            out.append("")
        elif _MDX_MODULE_RE.match(line):
            depth = max(0, _depth(line))
            out.append("")
        else:
            out.append(line)
    return "\n".join(out)


def _depth(line: str) -> int:
    return sum(line.count(c) for c in "({[") - sum(line.count(c) for c in ")}]")


def _without_attribute_lists(run: str) -> str:
    """Attribute lists removed; a block list's `#id` under a heading moves onto the heading."""
    lines = run.split("\n")
    for i, line in enumerate(lines):
        if _IAL_LINE_RE.match(line):
            found = _IAL_ID_RE.search(line)
            if found and i and _HEADING_RE.match(lines[i - 1]) and "{#" not in lines[i - 1]:
                lines[i - 1] = f"{lines[i - 1].rstrip()} {{#{found.group(1)}}}"
            if i and _TOC_LINE_RE.match(line) and _LIST_ITEM_RE.match(lines[i - 1]):
                lines[i - 1] = ""
            lines[i] = ""
        elif _HEADING_RE.match(line):
            lines[i] = _HEADING_ATTRS_RE.sub(_heading_id, line)
        elif "{:" in line or "{::" in line:
            lines[i] = _IAL_RE.sub("", _KRAMDOWN_EXTENSION_RE.sub("", line))
    return "\n".join(lines)


def _heading_id(match: re.Match[str]) -> str:
    """A heading's attribute suffix reduced to its id, the one part a reader sees (in the URL)."""
    found = _IAL_ID_RE.search(" " + match.group(1))
    return f" {{#{found.group(1)}}}" if found and found.group(0) in match.group(1).split() else ""
