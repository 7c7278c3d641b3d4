"""Splitting an article's Markdown into sections at its headings, rendered and sanitized.

Headings are found with markdown-it-py's token stream (so a `#` inside a code fence is not a
heading); each section's HTML is rendered with Python-Markdown and sanitized with nh3.
"""

from __future__ import annotations

import copy
import functools
import html
import re
import threading
from collections.abc import Callable
from typing import Any, cast

import markdown
import nh3
from markdown.extensions.toc import slugify
from markdown.treeprocessors import InlineProcessor
from markdown_it import MarkdownIt

from indexer.article import Section
from indexer.ingest.notes import dedent

SPLIT_LEVELS = 3  # sections start at #, ## and ###; deeper headings stay inside their parent

# Only the block rules: headings are all we need from this parse, and inline parsing is most of its cost.
# A heading's text is its inline token's `content`, set by the block parse; the core "inline" and
# "text_join" rules only fill in `children`, which nothing here reads.
_md_it = (
    MarkdownIt("zero")
    .enable(
        ["heading", "lheading", "fence", "code", "blockquote", "list", "html_block", "hr", "table"]
    )
    .disable(["inline", "text_join"])
)
_local = threading.local()
_FENCE_RE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
# Template tags that help-center generators leave in Markdown: Hugo shortcodes, Liquid and Jinja.
_TEMPLATE_RE = re.compile(r"\{\{[<%].*?[%>]\}\}|\{%-?.*?-?%\}|\{\{-?.*?-?\}\}|\{#.*?#\}", re.S)

_ALLOWED_ATTRIBUTES = copy.deepcopy(nh3.ALLOWED_ATTRIBUTES)
for _tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
    _ALLOWED_ATTRIBUTES.setdefault(_tag, set()).add("id")
_ALLOWED_ATTRIBUTES.setdefault("code", set()).add("class")
_ALLOWED_ATTRIBUTES.setdefault("th", set()).add("style")
_ALLOWED_ATTRIBUTES.setdefault("td", set()).add("style")


def _cleaner(**options: Any) -> Callable[[str], str]:
    """nh3's cleaning with these options. nh3.clean converts its options into a new sanitizer on
    every call, a large share of its time on a section; an nh3.Cleaner (nh3 0.3) builds it once."""
    reusable = getattr(nh3, "Cleaner", None)
    if reusable is not None:
        return cast(Callable[[str], str], reusable(**options).clean)
    return functools.partial(nh3.clean, **options)


# A note keeps its class (indexer.ingest.notes), so that a page can show it as a box.
_sanitize = _cleaner(
    attributes=_ALLOWED_ATTRIBUTES,
    allowed_classes={"div": {"note"}},
    link_rel="noopener noreferrer",
)
_strip_tags = _cleaner(tags=set())


def sanitize(rendered: str) -> str:
    """Rendered HTML made safe to show: no script, no event handlers, no javascript: URLs."""
    # nh3 leaves `class=""` on a div whose classes it removed; a div keeps no other attribute, and
    # a "<" in text is escaped, so this string can only be that tag.
    return str(_sanitize(rendered)).replace('<div class="">', "<div>")


def plain_text(rendered: str) -> str:
    """The visible text of rendered HTML (script and style contents dropped), whitespace folded."""
    # str.split's whitespace is exactly regex \s's (str.isspace): the same as re.sub(r"\s+", " ").
    return " ".join(html.unescape(_strip_tags(rendered)).split())


def render(md_text: str) -> str:
    """Markdown to HTML (unsanitized). One converter per thread, reset between documents."""
    found = getattr(_local, "markdown", None)
    if found is None:
        # md_in_html: Markdown inside an HTML block marked markdown="1" (kramdown's tab panes,
        # the notes of indexer.ingest) is rendered, as the generators render it; def_list: a term
        # over ": definition" lines is a definition list, as Goldmark, kramdown and MkDocs show it;
        # attr_list: "{#id}" after a heading too deep to start a section is its id (Docusaurus,
        # Hugo, kramdown), and a "{.class}" line after a block is no text; abbr: a "*[VAT]: Value
        # Added Tax" line defines an abbreviation (MkDocs, kramdown), it is not text.
        converter = markdown.Markdown(
            extensions=[
                "tables",
                "fenced_code",
                "sane_lists",
                "md_in_html",
                "def_list",
                "attr_list",
                "abbr",
            ]
        )
        syntax = _inline_syntax(converter)
        if syntax is not None:
            converter.treeprocessors.register(_InlinePass(converter, syntax), "inline", 20)
        found = _local.markdown = (converter, syntax if _known_pipeline(converter) else None)
    converter, plain_syntax = found
    if plain_syntax is not None and plain_syntax.search(md_text) is None:
        plain = _plain_blocks(md_text)
        if plain is not None:
            return plain
    return str(converter.reset().convert(md_text))


# A line no block processor of Python-Markdown's takes for anything but paragraph text: it starts
# with a letter (not a list marker, quote, heading, rule, fence, indent or HTML), holds no table
# pipe, quote or HTML bracket or heading mark, no control character (tabs, carriage returns,
# Python-Markdown's placeholders), and does not end with white space (a hard line break). An
# attribute list (attr_list) is a line of its own that starts with "{", so never such a line.
_PLAIN_LINE = r"[^\W\d_][^\x00-\x1f\x7f<>|#]*(?<!\s)"
_PARAGRAPH_RE = re.compile(rf"{_PLAIN_LINE}(?:\n{_PLAIN_LINE})*")
_BULLETS_RE = re.compile(rf"- {_PLAIN_LINE}(?:\n- {_PLAIN_LINE})*")  # a tight list, "- " items

# The processors of a converter with kb's extensions (Python-Markdown 3.x), for which blocks of
# plain lines or of "- " items of plain lines (without inline syntax) are paragraphs and lists.
_PIPELINE = {
    "preprocessors": {"normalize_whitespace", "html_block", "fenced_code_block"},
    "blockprocessors": {
        *("empty", "indent", "code", "table", "hashheader", "setextheader", "hr"),
        *("olist", "quote", "reference", "paragraph", "ulist", "markdown_block"),
        *("defindent", "deflist", "abbr"),
    },
    "treeprocessors": {"inline", "prettify", "unescape", "attr_list", "abbr"},
    "postprocessors": {"raw_html", "amp_substitute"},
}


def _known_pipeline(converter: markdown.Markdown) -> bool:
    """Whether the converter runs exactly the processors of _PIPELINE (another version or extension
    could treat plain lines differently; it then renders everything)."""
    registries = {
        "preprocessors": converter.preprocessors,
        "blockprocessors": converter.parser.blockprocessors,
        "treeprocessors": converter.treeprocessors,
        "postprocessors": converter.postprocessors,
    }
    return all(
        len(registries[kind]) == len(names) and all(name in registries[kind] for name in names)
        for kind, names in _PIPELINE.items()
    )


def _plain_blocks(md_text: str) -> str | None:
    """What Python-Markdown renders a text without inline syntax to when each of its blocks (runs
    of lines between blank lines) is plain lines (a paragraph, as it is) or plain "- " items (a
    list); None for any other text. Two lists in a row are one loose list: None too."""
    out: list[str] = []
    after_list = False
    for block in md_text.split("\n\n"):
        block = block.strip("\n")
        if not block:
            continue
        if _PARAGRAPH_RE.fullmatch(block):
            out.append(f"<p>{block}</p>")
            after_list = False
        elif not after_list and _BULLETS_RE.fullmatch(block):
            items = "\n".join(f"<li>{line[2:]}</li>" for line in block.split("\n"))
            out.append(f"<ul>\n{items}\n</ul>")
            after_list = True
        else:
            return None
    return "\n".join(out)


# What a match of each of Python-Markdown's inline patterns must contain (a regex). Text with none of
# them is left unchanged by the inline pass, which would otherwise try every pattern on it.
_INLINE_TRIGGERS = {
    "backtick": "`",
    "escape": r"\\",
    "reference": r"\[",
    "link": r"\[",
    "image_link": r"\[",
    "image_reference": r"\[",
    "short_reference": r"\[",
    "short_image_ref": r"\[",
    "autolink": "<",
    "automail": "<",
    "linebreak": "  \n",
    "html": "<",
    "entity": "&",
    "not_strong": "[*_]",  # Python-Markdown < 3.11
    "em_strong": "[*_]",
    "em_strong2": "[*_]",  # Python-Markdown < 3.11
}


def _inline_syntax(converter: markdown.Markdown) -> re.Pattern[str] | None:
    """A regex that finds where inline syntax may start, or None when the converter has an inline
    pattern not in _INLINE_TRIGGERS (say, from another extension or Markdown version)."""
    names = [name for name in _INLINE_TRIGGERS if name in converter.inlinePatterns]
    if len(names) != len(converter.inlinePatterns):
        return None
    triggers = {_INLINE_TRIGGERS[name] for name in names}
    # Python-Markdown 3.11's emphasis takes its delimiters from a list extensions can add to.
    delimiters = getattr(converter.inlinePatterns["em_strong"], "tokens", [])
    triggers |= {re.escape(token) for token in delimiters}
    return re.compile("|".join(sorted(triggers)))


class _InlinePass(InlineProcessor):  # type: ignore[misc]  # markdown is untyped
    """Python-Markdown's inline pass, which tries each of its inline patterns on every piece of
    text in turn; a piece where none of them can match is returned as it is at once."""

    def __init__(self, converter: markdown.Markdown, syntax: re.Pattern[str]) -> None:
        super().__init__(converter)
        self._syntax = syntax

    # The name the parent's private __handleInline has inside it (name mangling).
    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        if self._syntax.search(data) is None:
            return data
        handled: str = super()._InlineProcessor__handleInline(data, patternIndex)
        return handled


def strip_templates(md_text: str) -> str:
    """Remove template tags outside code fences; a fenced example keeps its tags as written."""
    out: list[str] = []
    chunk: list[str] = []
    fence: str | None = None
    for line in md_text.splitlines(keepends=True):
        m = _FENCE_RE.match(line)
        if fence is None and m:
            out.append(_TEMPLATE_RE.sub("", "".join(chunk)))
            chunk = []
            fence = m.group(1)[0] * 3
            out.append(line)
        elif fence is not None:
            out.append(line)
            if line.strip().startswith(fence):
                fence = None
        else:
            chunk.append(line)
    out.append(_TEMPLATE_RE.sub("", "".join(chunk)))
    return "".join(out)


# A heading's own id suffix, `## Title {#id}` (Docusaurus, Hugo, kramdown): the section's anchor.
_HEADING_ID_RE = re.compile(r"\s*\{#([\w-]+)\}\s*$")


def heading_id(raw_heading: str) -> tuple[str, str | None]:
    """A heading's text without its `{#id}` suffix, and the id it gives (None without one)."""
    m = _HEADING_ID_RE.search(raw_heading)
    return (raw_heading[: m.start()], m.group(1)) if m else (raw_heading, None)


# A heading of plain words (any script) renders to itself; only other headings need Markdown.
_PLAIN_HEADING_RE = re.compile(r"[^\W_]+(?: [^\W_]+)*\??")


def _heading_text(inline_md: str) -> str:
    if _PLAIN_HEADING_RE.fullmatch(inline_md):
        return inline_md
    return plain_text(render(inline_md)) or inline_md.strip("# ").strip()


# A body of these lines only has no block structure that could hide a heading or make one: blank
# lines, lines that start with a letter (paragraph text), "- " bullets starting with a letter, and
# ATX headings of text that starts and ends with neither space nor "#". Only "\n" ends a line for
# markdown-it; "\r" and NUL it rewrites first, so they are left out.
_SIMPLE_LINE = (
    r"(?:[^\W\d_][^\n\r\x00]*|- [^\W\d_][^\n\r\x00]*|#{1,6} +[^\s#](?:[^\n\r\x00]*[^\s#])?)?"
)
_SIMPLE_BODY_RE = re.compile(rf"{_SIMPLE_LINE}(?:\n{_SIMPLE_LINE})*")
_ATX_RE = re.compile(r"^(#{1,6}) +(.*)$", re.MULTILINE)


def _headings(body: str) -> list[tuple[int, int, str]]:
    """The (line, level, text) of each heading of level ≤ SPLIT_LEVELS, as markdown-it finds them.

    A body of simple lines (_SIMPLE_BODY_RE) is read without markdown-it: its headings are its ATX
    heading lines, whatever comes before them. Other bodies are parsed (a code fence, a quote or an
    indented line can make a "#" line something else).
    """
    heads: list[tuple[int, int, str]] = []
    if _SIMPLE_BODY_RE.fullmatch(body):
        line = start = 0
        for m in _ATX_RE.finditer(body):
            line += body.count("\n", start, m.start())
            start = m.start()
            if len(m.group(1)) <= SPLIT_LEVELS:
                heads.append((line, len(m.group(1)), m.group(2)))
        return heads
    tokens = _md_it.parse(body)
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.map is not None:
            level = int(tok.tag[1])
            if level <= SPLIT_LEVELS:
                inline = tokens[i + 1].content if i + 1 < len(tokens) else ""
                heads.append((tok.map[0], level, inline))
    return heads


# A paragraph that opens with an FAQ's question: the question in bold, ending in "?" (alone on its
# line or followed by its answer), "Q:" (or "Question:", bold or not) before a question alone on its
# line, or a question that is a definition list's term (_TERM_RE, its answer the ": " lines below
# it); or a heading deeper than SPLIT_LEVELS that asks one. FAQ_MIN of them under one heading make
# it an FAQ.
_QUESTION_RE = re.compile(
    r" {0,3}(?:(?P<b>\*\*|__)(?:Q(?:uestion)?\s*[:.]\s*)?(?P<bold>[^*_\s][^*\n]*?\?)(?P=b)"
    r"(?:[ \t]+(?P<rest>\S.*?))?"
    r"|(?P<qb>\*\*|__)?Q(?:uestion)?\s*[:.](?P=qb)?[ \t]+(?P<plain>\S[^\n]*?\?)(?:\*\*|__)?)"
    r"[ \t]*"
)
# A heading too deep to start a section ("#### Can I…?"), asking a question.
_DEEP_QUESTION_RE = re.compile(r" {0,3}(#{4,6})[ \t]+([^\n]*?\?)(?:[ \t]+#+)?[ \t]*")
_TERM_RE = re.compile(r" {0,3}(?P<term>[^\s:>|#*+\-`<][^\n]*?\?)[ \t]*")
_DEFINITION_RE = re.compile(r" {0,3}:( {1,3})(?=\S)")
FAQ_MIN = 2
# A line that opens or closes a box: a note's wrapper (indexer.ingest.notes) or the author's div.
_BOX_RE = re.compile(r"<(div)\b[^>]*>|</div>", re.IGNORECASE)
# "A:" (or "Answer:", bold or not) before an answer, dropped from its text.
_ANSWER_RE = re.compile(r"^ {0,3}(\*\*|__)?A(?:nswer)?\s*[:.](?(1)\1)[ \t]+")


def _questions(
    body: str, lines: list[str], heads: list[tuple[int, int, str]]
) -> dict[int, tuple[int, str, str, int]]:
    """Each FAQ question that opens a paragraph of its own (not in a list, quote or code), where
    FAQ_MIN or more of them stand under one heading: its line, and its level (one below that
    heading's; 2 under the title or none), text, the answer's words on its line and, for a term of
    a definition list, the width of its definition's marker (else 0). Each becomes a heading, so
    that each answer is a section of its own, with its deep link and its meaning."""
    if body.count("?") < FAQ_MIN:
        return {}
    # line: the question, its answer's words, indent, and whether it is a heading (else it opens
    # a paragraph)
    found: dict[int, tuple[str, str, int, bool]] = {}
    for i, line in enumerate(lines):
        if "?" not in line:
            continue
        if m := _QUESTION_RE.fullmatch(line):
            found[i] = (m.group("bold") or m.group("plain"), m.group("rest") or "", 0, False)
        elif h := _DEEP_QUESTION_RE.fullmatch(line):
            found[i] = (h.group(2), "", 0, True)
        elif (
            (t := _TERM_RE.fullmatch(line))
            and i + 1 < len(lines)
            and (d := _DEFINITION_RE.match(lines[i + 1]))
        ):
            found[i] = (t.group("term"), "", d.end(), False)
    if len(found) < FAQ_MIN:
        return {}
    # Paragraphs, and headings deeper than SPLIT_LEVELS (their own level kept), outside any box:
    # a note (indexer.ingest.notes wraps it in a div, which this parser reads as paragraph text)
    # that holds questions is kept whole.
    starts: dict[int, int] = {}
    boxes = 0
    for tok in _md_it.parse(body):
        if tok.level != 0 or tok.map is None:
            continue
        if tok.type == "paragraph_open":
            tags = [_BOX_RE.fullmatch(line.strip()) for line in lines[tok.map[0] : tok.map[1]]]
            if opened := sum(1 if m.group(1) else -1 for m in tags if m):
                boxes = max(boxes + opened, 0)
                continue
        if boxes:
            continue
        if tok.type == "paragraph_open" or (
            tok.type == "heading_open" and int(tok.tag[1]) > SPLIT_LEVELS
        ):
            starts[tok.map[0]] = int(tok.tag[1]) if tok.type == "heading_open" else 0
    regions: dict[int, dict[int, tuple[int, str, str, int]]] = {}
    shared: set[int] = set()
    for i in sorted(found.keys() & starts.keys()):
        text, rest, indent, heading = found[i]
        if heading != bool(starts[i]):
            continue  # what markdown-it reads the line as is not what it looks like
        above = [h for h in heads if h[0] < i]
        level = starts[i] or min(max(above[-1][1] + 1, 2) if above else 2, 6)
        region = regions.setdefault(len(above), {})
        # Questions with no answer between them share the answer below them: they stay one
        # section, the first question its heading and the others its text (an empty section
        # would be dropped, and its question's words with it).
        if region:
            last = max(region)
            if not region[last][2] and all(
                k in shared or not lines[k].strip() for k in range(last + 1, i)
            ):
                shared.add(i)
                continue
        region[i] = (level, text, rest, indent)
    return {i: q for group in regions.values() if len(group) >= FAQ_MIN for i, q in group.items()}


def _definition_body(lines: list[str], indent: int) -> list[str]:
    """A definition's lines as a body of their own: the ": " marker dropped and the lines that
    continue it moved back by its width."""
    first = lines[0][indent:] if lines else ""
    return [first, *dedent(lines[1:], indent).split("\n")] if len(lines) > 1 else [first]


def split_sections(body: str) -> tuple[list[Section], str | None]:
    """The sections of an article body and its `# ` title if it has one.

    The text before the first heading (and under a leading `# Title`) is the intro section; every
    heading of level ≤ SPLIT_LEVELS starts a new section whose path is its parent headings', and so
    does each question of an FAQ written as bold or "Q:" paragraphs (_questions).
    Paths here exclude the article title; the loader prepends it.
    """
    body = strip_templates(body)
    lines = body.splitlines()
    heads = _headings(body)

    title: str | None = None
    if heads and heads[0][1] == 1 and not "".join(lines[: heads[0][0]]).strip():
        title = _heading_text(heading_id(heads[0][2])[0])
    questions = _questions(body, lines, heads)
    if questions:
        heads = sorted(heads + [(i, q[0], q[1]) for i, q in questions.items()])

    used: set[str] = set()
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    bounds = [(0, 0, ""), *heads] if not heads or heads[0][0] > 0 else heads
    for idx, (start, level, raw_heading) in enumerate(bounds):
        end = bounds[idx + 1][0] if idx + 1 < len(bounds) else len(lines)
        is_intro = idx == 0 and (level == 0 or (level == 1 and title is not None))
        raw_heading, given_anchor = heading_id(raw_heading)
        heading = title or "" if is_intro else _heading_text(raw_heading)
        body_lines = lines[start + (1 if level else 0) : end]
        if start in questions:
            _, _, rest, indent = questions[start]
            body_lines = _definition_body(body_lines, indent) if indent else [rest, *body_lines]
        elif _is_setext(lines, start, level):
            body_lines = body_lines[1:]
        section_md = "\n".join(body_lines).strip("\n")
        if start in questions:
            section_md = _ANSWER_RE.sub("", section_md, count=1)
        if level and not is_intro:
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, heading))
            path = [h for _, h in stack if h]
        else:
            path = []
        anchor = _unique(given_anchor or slugify(heading, "-") or "top", used)
        heading_level = max(level, 1)
        tag = f"h{heading_level}"
        heading_html = f'<{tag} id="{anchor}">{html.escape(heading)}</{tag}>\n' if heading else ""
        body_html = render(section_md)
        rendered = sanitize(heading_html + body_html)
        sections.append(
            Section(
                anchor=anchor,
                heading=heading,
                level=0 if is_intro else heading_level,
                path=path,
                html=rendered,
                text=plain_text(body_html),
                position=len(sections),
            )
        )
    return sections, title


def _is_setext(lines: list[str], start: int, level: int) -> bool:
    """A setext heading ("Title\\n=====") spans two lines; its underline is not body text."""
    nxt = lines[start + 1] if level and start + 1 < len(lines) else ""
    return bool(re.fullmatch(r"\s{0,3}(=+|-+)\s*", nxt))


def _unique(anchor: str, used: set[str]) -> str:
    candidate, n = anchor, 1
    while candidate in used:
        n += 1
        candidate = f"{anchor}-{n}"
    used.add(candidate)
    return candidate
