"""Admonitions, callouts and alerts of every generator as one labelled note, and tabs as labelled
parts.

Docusaurus `:::tip Title`, MkDocs `!!! note "Title"` (and collapsible `???`), PyMdown Blocks
`/// warning | Title`, GitHub and Hugo alerts `> [!NOTE]`, Liquid block tags `{% callout warning %}`
and Hugo note shortcodes all become the same Markdown: a `<div markdown="1">` (Python-Markdown's
`md_in_html` renders the Markdown inside it) holding a bold label ("Tip: Title") and the note's
text. A note indented in a list item keeps its indentation and loses the wrapper, which Markdown
inside a list item cannot hold. MkDocs `=== "Tab"` tabs become a bold label over the tab's text.
"""

from __future__ import annotations

import re

from indexer.ingest.fences import code_mask

_DOCUSAURUS_OPEN = re.compile(
    r"^(\s*)(:{3,})([A-Za-z][\w-]*)(?:\[(.*)\]|[ \t]+(.*?))?[ \t]*(?:\{.*\})?$"
)
_DOCUSAURUS_CLOSE = re.compile(r"^\s*:{3,}\s*$")
_MKDOCS_OPEN = re.compile(
    r"^(\s*)(?:!!!|\?\?\?\+?)[ \t]+([\w-]+)(?:[ \t]+[\w -]*?)?(?:[ \t]+\"(.*)\")?\s*$"
)
_TAB_OPEN = re.compile(r"^(\s*)===\+?[ \t]+\"(.*)\"\s*$")
_BLOCK_OPEN = re.compile(r"^(\s*)(/{3,})[ \t]*([\w-]+)(?:[ \t]*\|[ \t]*(.*?))?\s*$")
_ALERT_OPEN = re.compile(r"^(\s*)>[ \t]*\[!([A-Za-z]+)\][+-]?[ \t]*(.*?)\s*$")
_QUOTED = re.compile(r"^(\s*)>[ \t]?(.*)$")
_NOTE_NAMES = "callout|note|tip|warning|caution|danger|important|info|alert|hint|notice|admonition"
_TAG_NOTE_RE = re.compile(
    r"\{%-?\s*(" + _NOTE_NAMES + r")\b\s*([^%]*?)\s*-?%\}(.*?)\{%-?\s*end\1\s*-?%\}"
    r"|\{\{([<%])\s*(" + _NOTE_NAMES + r")\b\s*([^>%]*?)\s*[>%]\}\}(.*?)\{\{[<%]\s*/\5\s*[>%]\}\}",
    re.S,
)
# Hugo's details shortcode: a collapsible block whose `summary` argument is its label (its question,
# on an FAQ page), read opened as a bold summary over its text.
_DETAILS_TAG_RE = re.compile(
    r"\{\{([<%])\s*details\b([^>%]*?)[>%]\}\}(.*?)\{\{[<%]\s*/details\s*[>%]\}\}", re.S
)
_SUMMARY_ARG_RE = re.compile(r"""\bsummary=(?:"([^"]*)"|'([^']*)'|`([^`]*)`)""")
_TYPE_WORDS = {
    "note",
    "tip",
    "info",
    "warning",
    "caution",
    "danger",
    "important",
    "success",
    "error",
    "question",
    "example",
    "quote",
    "abstract",
    "hint",
    "bug",
    "failure",
}
_ARG_RE = re.compile(r"""(?:[\w-]+=)?(?:"([^"]*)"|'([^']*)'|(\S+))""")


def label(kind: str, title: str | None) -> str:
    """The bold first line of a note: its kind, and its title when it has one."""
    name = kind.replace("-", " ").replace("_", " ").strip().capitalize() or "Note"
    title = (title or "").strip().strip("\"'")
    return f"{name}: {title}" if title and title.lower() != kind.lower() else name


def note(kind: str, title: str | None, body: str, indent: str = "") -> str:
    """One note as Markdown (a div whose Markdown is rendered), or as indented label and text."""
    head = f"**{label(kind, title)}**"
    body = body.strip("\n")
    if indent:
        text = "\n\n".join(part for part in (head, body) if part)
        return "\n".join(f"{indent}{line}" if line.strip() else "" for line in text.split("\n"))
    return f'<div class="note" markdown="1">\n\n{head}\n\n{body}\n\n</div>'


def render_notes(text: str) -> str:
    """Every admonition, alert, note tag and tab of `text` (outside fenced code) as a labelled note."""
    text = _DETAILS_TAG_RE.sub(_details_tag, text)
    text = _TAG_NOTE_RE.sub(_tag_note, text)
    lines = text.split("\n")
    mask = code_mask(lines)
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if mask[i]:
            out.append(line)
            i += 1
            continue
        handled = _block(lines, mask, i)
        if handled is None:
            out.append(line)
            i += 1
        else:
            rendered, i = handled
            out.append(rendered)
    return "\n".join(out)


def _block(lines: list[str], mask: list[bool], i: int) -> tuple[str, int] | None:
    """The note starting at line i as Markdown and the line after it, or None when none starts."""
    line = lines[i]
    if m := _DOCUSAURUS_OPEN.match(line):
        end, depth = i + 1, 1
        while end < len(lines):
            if not mask[end] and _DOCUSAURUS_OPEN.match(lines[end]):
                depth += 1
            elif not mask[end] and _DOCUSAURUS_CLOSE.match(lines[end]):
                depth -= 1
                if depth == 0:
                    break
            end += 1
        body = dedent(lines[i + 1 : end], len(m.group(1)))
        return note(m.group(3), m.group(4) or m.group(5), render_notes(body), m.group(1)), end + 1
    if m := _BLOCK_OPEN.match(line):
        fence = m.group(2)
        end = i + 1
        while end < len(lines) and not (not mask[end] and lines[end].strip() == fence):
            end += 1
        body = render_notes(dedent(lines[i + 1 : end], len(m.group(1))))
        kind, title = m.group(3), m.group(4)
        if kind == "tab" or _asks(kind == "details", title):
            return _tab(title or "", body, m.group(1)), end + 1
        if kind in ("html", "define"):
            return body, end + 1
        return note(
            "details" if kind == "details" and not title else kind, title, body, m.group(1)
        ), end + 1
    for pattern in (_MKDOCS_OPEN, _TAB_OPEN):
        if m := pattern.match(line):
            indent = len(m.group(1))
            end = i + 1
            while end < len(lines) and (
                not lines[end].strip() or _indent(lines[end]) >= indent + 4
            ):
                end += 1
            while end > i + 1 and not lines[end - 1].strip():
                end -= 1
            body = render_notes(dedent(lines[i + 1 : end], indent + 4))
            if pattern is _TAB_OPEN or _asks(line.lstrip().startswith("???"), m.group(3)):
                return _tab(m.group(3) or m.group(2), body, m.group(1)), end
            return note(m.group(2), m.group(3), body, m.group(1)), end
    if m := _ALERT_OPEN.match(line):
        end = i + 1
        body_lines: list[str] = []
        while end < len(lines) and (q := _QUOTED.match(lines[end])):
            body_lines.append(q.group(2))
            end += 1
        return note(
            m.group(2).lower(), m.group(3), render_notes("\n".join(body_lines)), m.group(1)
        ), end
    return None


def _asks(collapsible: bool, title: str | None) -> bool:
    """A collapsible block titled by a question (MkDocs `??? question "Can I…?"`, PyMdown
    `/// details | Can I…?`): read opened, as its question over its answer, like a tab's label,
    so that a page of them is an FAQ (kb's chunker); other notes keep their labelled box."""
    return collapsible and bool(title) and (title or "").strip().strip("\"'").endswith("?")


def _tab(title: str, body: str, indent: str) -> str:
    text = f"**{title.strip()}**\n\n{body.strip(chr(10))}"
    return "\n".join(f"{indent}{line}" if line.strip() else "" for line in text.split("\n"))


def _details_tag(m: re.Match[str]) -> str:
    """Hugo's details shortcode as its summary in bold over its text ("Details", Hugo's own label,
    without a summary)."""
    arg = _SUMMARY_ARG_RE.search(m.group(2))
    summary = next((g for g in arg.groups() if g), "") if arg else ""
    return f"\n\n**{summary.strip() or 'Details'}**\n\n{m.group(3).strip(chr(10))}\n\n"


def _tag_note(m: re.Match[str]) -> str:
    """A Liquid block tag or Hugo shortcode note: its first argument names its kind when it is one
    (`{% callout warning %}`), a quoted or `title=` argument titles it."""
    name, args, body = (
        (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(5), m.group(6), m.group(7))
    )
    values = [a or b or c for a, b, c in _ARG_RE.findall(args or "")]
    kind = name
    if values and values[0].lower() in _TYPE_WORDS:
        kind = values.pop(0).lower()
    title = values[0] if values else None
    return "\n" + note(kind, title, body) + "\n"


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def dedent(lines: list[str], width: int) -> str:
    """Lines without `width` columns of leading spaces (fewer where a line has fewer): a block's
    text moved back from the indentation of the construct that held it."""
    return "\n".join(line[min(width, _indent(line)) :] for line in lines)
