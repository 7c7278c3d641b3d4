"""HTML and JSX around Markdown, as the site renders it: the text it shows, without the markup.

MDX renders the Markdown between a component's or an HTML element's tags, so lines that are only
such a tag are unwrapped (of other generators' pages, only `<details>` blocks, read opened):
`<details>`'s `<summary>` becomes the label (or heading) of what follows,
a `<TabItem label="…">` a labelled part, a component with children keeps its children, and a
self-closing component with no text (`<CtaBox …/>`, a sales box) is left out. Images become their
alt text everywhere (the image files are not served; their alt text is what they say), and video
and embedded frames, which have no text, are left out.
"""

from __future__ import annotations

import html
import re

from indexer.ingest.detect import Format
from indexer.ingest.fences import outside_code

_IMG_TAG_RE = re.compile(r"<img\b((?:[^>\"'{}]|\"[^\"]*\"|'[^']*'|\{[^}]*\})*)/?\s*>", re.I)
_ALT_RE = re.compile(r"""\balt=(?:"([^"]*)"|'([^']*)'|\{['"]([^'"]*)['"]\})""")
_MD_IMAGE_RE = re.compile(r"!\[([^\]\n]*)\]\((?:[^()\s]|\([^()]*\))*(?:\s+\"[^\"]*\")?\)")
_MEDIA_RE = re.compile(
    r"<(video|audio|iframe|picture)\b.*?</\1\s*>|<(?:source|track|iframe)\b[^>]*/?>", re.S | re.I
)
_CONTAINERS = "div|section|article|aside|main|center|span|p|figure|figcaption|details|summary"
# A line that is one tag and nothing else: an opening tag (attributes on one or more lines) of a
# container element or a component (capitalized), or a closing tag.
_ATTRS = r"""((?:[^>"'{}]|"[^"]*"|'[^']*'|\{(?:[^{}]|\{[^{}]*\})*\})*?)"""
_TAG_LINE_RE = re.compile(
    r"^[ \t]*<(/?)(" + _CONTAINERS + r"|[A-Z][\w.]*)" + _ATTRS + r"(/?)>[ \t]*$",
    re.M | re.S,
)
_INDENTED_IMAGE_RE = re.compile(r"^[ \t]+(<img\b[^>\n]*>)[ \t]*$", re.M)
_SUMMARY_RE = re.compile(r"^[ \t]*<summary>([^\n]*?)</summary>[ \t]*$", re.M)
_DETAILS_LINE_RE = re.compile(r"^[ \t]*</?details\b[^>\n]*>[ \t]*\n?", re.M)
# Inline Markdown on a line of HTML, which MDX renders and Python-Markdown leaves as written.
_HTML_LINE_RE = re.compile(r"^[ \t]*<[a-zA-Z/].*$", re.M)
_INLINE_LINK_RE = re.compile(r"\[([^\]\n]+)\]\(([^()\s]+)\)")
_INLINE_STRONG_RE = re.compile(r"\*\*([^*\n]+)\*\*")
_INLINE_CODE_RE = re.compile(r"`([^`\n]+)`")
_INLINE_COMPONENT_RE = re.compile(r"<([A-Z][\w.]*)\b(?:[^>\"'{}]|\"[^\"]*\"|'[^']*'|\{[^}]*\})*/>")
_PAIRED_INLINE_RE = re.compile(r"</?[A-Z][\w.]*\b(?:[^>\"'{}]|\"[^\"]*\"|'[^']*'|\{[^}]*\})*>")
_JSX_ATTR_RE = re.compile(r"\s[\w-]+=\{(?:[^{}]|\{[^{}]*\})*\}")
_EXPRESSION_LINE_RE = re.compile(r"^[ \t]*\{(?:[^{}]|\{[^{}]*\})*\}[ \t]*$", re.M)
_COMPONENT_RE = re.compile(r"<([A-Z][\w.]*)\b" + _ATTRS + r"/>", re.S)
_ATTR_VALUE_RE = re.compile(r"""\b([\w-]+)=(?:"([^"]*)"|'([^']*)'|\{['"]([^'"]*)['"]\})""")
_FIELD_RE = re.compile(r"\{(\w+)\}")
_LABEL_RE = re.compile(r"""\b(?:label|title)=(?:"([^"]*)"|'([^']*)')""")
_VALUE_RE = re.compile(r"""\bvalue=(?:"([^"]*)"|'([^']*)')""")


def alt_text(text: str) -> str:
    """Images as their alt text (an image without one is left out); video and frames left out."""

    def from_tag(m: re.Match[str]) -> str:
        alt = _ALT_RE.search(m.group(1))
        return html.escape(next((g for g in alt.groups() if g), ""), quote=False) if alt else ""

    text = _MEDIA_RE.sub("", text)
    text = _IMG_TAG_RE.sub(from_tag, text)
    return _MD_IMAGE_RE.sub(lambda m: m.group(1), text)


def unwrap(text: str, fmt: Format, components: dict[str, str] | None = None) -> str:
    """`text` with images as alt text and, where the generator renders Markdown inside HTML and
    components (MDX), their tags unwrapped (outside fenced code). A self-closing component named in
    `components` becomes that text, its `{attribute}` fields filled from the tag."""
    return outside_code(text, lambda run: _unwrap_run(run, fmt, components or {}))


def component_text(tag: str, name: str, templates: dict[str, str]) -> str:
    """A self-closing component as the text its template gives ("" when it has none): each
    `{field}` of the template is the tag's attribute of that name, "" where the tag has none."""
    template = templates.get(name)
    if template is None:
        return ""
    values = {k: a or b or c for k, a, b, c in _ATTR_VALUE_RE.findall(tag)}
    return _FIELD_RE.sub(lambda m: html.escape(values.get(m.group(1), ""), quote=False), template)


def _summaries(run: str) -> str:
    """Each `<summary>` line as its text in bold, a paragraph of its own: the label of what the
    reader opens (and, two or more asking questions under one heading, an FAQ's questions)."""
    return _SUMMARY_RE.sub(
        lambda m: f"\n**{m.group(1).strip()}**\n" if m.group(1).strip() else "", run
    )


def _unwrap_run(run: str, fmt: Format, components: dict[str, str]) -> str:
    if fmt == "docusaurus":
        # MDX has no indented code: an image indented inside a container (a screenshot in its
        # frame) is an image, and its alt text must not become a code block once the frame is gone.
        run = _INDENTED_IMAGE_RE.sub(r"\1", run)
    run = alt_text(run)
    if fmt != "docusaurus":
        # Only a collapsible block is unwrapped: its summary over its text, as a reader who opens
        # it reads it (Markdown inside other HTML stays as the generator leaves it).
        if "<summary>" not in run:
            return run
        return _DETAILS_LINE_RE.sub("", _summaries(run))
    if components:  # before the tag lines and inline components are dropped
        run = _COMPONENT_RE.sub(lambda m: component_text(m.group(0), m.group(1), components), run)
    run = _summaries(run)
    run = _TAG_LINE_RE.sub(_tag_line, run)
    run = _EXPRESSION_LINE_RE.sub("", run)
    run = _INLINE_COMPONENT_RE.sub("", run)
    run = _PAIRED_INLINE_RE.sub("", run)
    run = _JSX_ATTR_RE.sub("", run)
    return _inline_in_html_blocks(run)


def _inline_in_html_blocks(run: str) -> str:
    """Inline Markdown rendered on every line of an HTML block (from a line that starts with a tag
    to the next blank line, as CommonMark bounds it): MDX renders the text of a `<td>` on its own
    line, Python-Markdown passes the whole block through as written."""
    lines = run.split("\n")
    in_block = False
    for i, line in enumerate(lines):
        if not line.strip():
            in_block = False
            continue
        in_block = in_block or bool(_HTML_LINE_RE.match(line))
        if in_block:
            lines[i] = _inline_html(line)
    return "\n".join(lines)


def _inline_html(line: str) -> str:
    """A line of HTML with its inline Markdown (links, bold, code) as HTML."""
    line = _INLINE_CODE_RE.sub(
        lambda m: f"<code>{html.escape(m.group(1), quote=False)}</code>", line
    )
    line = _INLINE_LINK_RE.sub(
        lambda m: f'<a href="{html.escape(m.group(2))}">{m.group(1)}</a>', line
    )
    return _INLINE_STRONG_RE.sub(r"<strong>\1</strong>", line)


def _tag_line(m: re.Match[str]) -> str:
    """A line holding only a tag: a tab's label, or nothing (its children stay as they are)."""
    closing, name, attrs, self_closing = m.groups()
    if closing or self_closing:
        return ""
    if name in ("TabItem", "Tab"):
        found = _LABEL_RE.search(attrs) or _VALUE_RE.search(attrs)
        if found:
            return f"\n**{found.group(1) or found.group(2)}**\n"
    return ""
