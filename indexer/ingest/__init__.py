"""Help centers as their static-site generators publish them: Jekyll, Hugo, Docusaurus, MkDocs.

`prepare` turns an article's Markdown, as written for its generator, into the Markdown kb renders:
what the site never shows removed (`hidden`), links pointed at kb's article pages and reference
links made inline, so each section renders them alone (`links`), includes resolved (`includes`),
notes and tabs labelled (`notes`), emoji names shown as emoji (`emoji_codes`), HTML and JSX
unwrapped to their text (`containers`). `flags` decides from the front matter whether a page is an
article at all, and `site` reads the whole folder once so that links and includes can be checked
against it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from indexer.article import Article
from indexer.ingest import flags
from indexer.ingest.containers import unwrap
from indexer.ingest.detect import FORMATS, Format, detect
from indexer.ingest.emoji_codes import emojize
from indexer.ingest.fences import plain_fences, prose_lines, sub_outside_code
from indexer.ingest.hidden import remove_hidden
from indexer.ingest.includes import resolve_includes
from indexer.ingest.links import Warning, footnotes, inline_references, resolve_links
from indexer.ingest.notes import render_notes
from indexer.ingest.site import Site, route_key, scan

__all__ = [
    "FORMATS",
    "Format",
    "Prepared",
    "Site",
    "Warning",
    "attach_warnings",
    "detect",
    "flags",
    "prepare",
    "route_key",
    "scan",
    "take_warnings",
]

# hugoDocs' glossary render hook: `[term](g)` links the term to its glossary entry, a page its
# site never renders on its own (build.render: never), so the term stays as text.
_GLOSSARY_LINK_RE = re.compile(r"\[([^\]\n]+)\]\(g\)")
_HIGHLIGHT_RE = re.compile(
    r"\{%-?\s*highlight\s+(\w+)[^%]*-?%\}\n?(.*?)\n?\{%-?\s*endhighlight\s*-?%\}", re.S
)
# Hugo's highlight shortcode and hugoDocs' code-toggle (one example shown in each config format):
# code, shown as a code block. A self-closing one (`{{< code-toggle config=x />}}`, the site's
# defaults read from data kb does not have) opens nothing and is left to the template stripping.
_HUGO_CODE_RE = re.compile(
    r"\{\{<\s*(highlight|code-toggle)\b([^>]*?)(?<!/)>\}\}\n?(.*?)\n?\{\{<\s*/\1\s*>\}\}", re.S
)
# An MDX import of a Markdown partial (`import Note from './_note.mdx';`) and a line that uses a
# component (`<Note />`): the partial's text is shown there.
_MDX_PARTIAL_IMPORT_RE = re.compile(
    r"^import\s+(\w+)\s+from\s+['\"](\.{1,2}/[^'\"\n]+\.mdx?)['\"];?[ \t]*$", re.M
)
_MDX_COMPONENT_LINE_RE = re.compile(r"^([ \t]*)<(\w+)\s*/>[ \t]*$", re.M)
# A task list item ("- [ ] Export your data", "- [x] Done"), a checkbox on every generator's page
# (GitHub, Goldmark, PyMdown's tasklist, Docusaurus).
_TASK_RE = re.compile(r"^([ \t]*[-*+][ \t]+)\[([ xX])\][ \t]", re.M)
# A Liquid capture: never shown where it stands, but its text is shown where an include is passed
# it (`{% include note.html content=name %}`, indexer.ingest.includes).
_CAPTURE_RE = re.compile(r"\{%-?\s*capture\s+([\w-]+)[^%]*%\}(.*?)\{%-?\s*endcapture\s*-?%\}", re.S)


@dataclass
class Prepared:
    """An article body ready for the chunker, the generator it was read as, and its warnings."""

    body: str
    format: Format
    warnings: list[Warning] = field(default_factory=list)


def prepare(rel: str, meta: dict[str, Any], body: str, site: Site, first_line: int = 1) -> Prepared:
    """The Markdown kb renders for the body of `rel` (its line 1 is `first_line` of the file)."""
    fmt = site.format_of(rel, meta, body)
    partials = _partial_imports(body) if fmt == "docusaurus" else {}
    text, warnings = _clean(body, rel, site, fmt, first_line)
    if partials:  # each use of an imported partial, as the include of its file
        text = sub_outside_code(
            _MDX_COMPONENT_LINE_RE,
            lambda m: (
                f"{m.group(1)}{{!{partials[m.group(2)]}!}}"
                if m.group(2) in partials
                else m.group(0)
            ),
            text,
        )

    def included(inner: str, inner_rel: str) -> str:
        cleaned, more = _clean(inner, inner_rel, site, fmt, 1)
        warnings.extend(more)
        return cleaned

    captures = (
        {m.group(1): m.group(2).strip() for m in _CAPTURE_RE.finditer(text)}
        if fmt == "jekyll"
        else {}
    )
    text, more = resolve_includes(text, rel, site, first_line, included, variables=captures)
    warnings += more
    if fmt == "jekyll":
        text = _HIGHLIGHT_RE.sub(lambda m: f"```{m.group(1)}\n{m.group(2)}\n```", text)
        text = sub_outside_code(_CAPTURE_RE, lambda _m: "", text)
    text = emojize(sub_outside_code(_TASK_RE, _task, text))
    text = plain_fences(inline_references(footnotes(text)))
    if fmt == "docusaurus":
        # MDX's tags are unwrapped before the notes are written, so that a note keeps its box.
        text = render_notes(unwrap(text, fmt, site.components))
    else:
        text = unwrap(render_notes(text), fmt, site.components)
    return Prepared(text, fmt, warnings)


def _partial_imports(body: str) -> dict[str, str]:
    """The partials an MDX page imports, by the name it uses them by (an import written inside a
    code example imports nothing)."""
    return {
        m.group(1): m.group(2)
        for line in prose_lines(body)
        if (m := _MDX_PARTIAL_IMPORT_RE.match(line))
    }


def _task(m: re.Match[str]) -> str:
    return f"{m.group(1)}{'☑' if m.group(2) in 'xX' else '☐'} "


def _clean(
    text: str, rel: str, site: Site, fmt: Format, first_line: int
) -> tuple[str, list[Warning]]:
    """What the site never shows removed, links resolved (line breaks kept: warnings' lines hold)."""
    text = remove_hidden(text, fmt)
    if fmt == "hugo":
        text = sub_outside_code(_GLOSSARY_LINK_RE, lambda m: m.group(1), text)
        text = sub_outside_code(_HUGO_CODE_RE, _hugo_code, text)
    return resolve_links(text, rel, site, first_line)


def _hugo_code(m: re.Match[str]) -> str:
    if "\n" not in m.group(0):  # within a line (`hl_inline`): a code span, not a block
        return f"`{m.group(3).strip()}`"
    words = m.group(2).split()
    lang = words[0] if m.group(1) == "highlight" and words else "toml"
    lang = lang if lang.isidentifier() else ""
    return f"```{lang}\n{m.group(3)}\n```"


_WARNINGS = "_ingest_warnings"  # an attribute of a parsed Article, taken off before it is stored


def attach_warnings(article: Article, warnings: list[Warning]) -> Article:
    """The article carrying its file's warnings to the build (across worker processes too)."""
    if warnings:
        setattr(article, _WARNINGS, [str(w) for w in warnings])
    return article


def take_warnings(article: Article) -> list[str]:
    """The warnings an article carries, removed from it (they are not part of what is indexed)."""
    found: list[str] = article.__dict__.pop(_WARNINGS, [])
    return found
