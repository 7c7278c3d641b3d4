"""Links between articles, pointed at kb's article pages; links to nowhere reported.

A link may name its target the way the site's generator lets it: a file relative to the page
(`../billing.md#vat`), a path of the site (`/docs/x`, `/custom-props/for-custom-events`), a path
under the site's base URL (`{{ site.baseurl }}/article/x`), a Liquid `{% link %}` or `{% post_url %}`,
or a Hugo `ref`/`relref` shortcode. Each is looked up among the site's pages (by path, slug, url and
alias); one that is found becomes `/articles/<id>#anchor`, one that is not is left as written and
reported with its file and line.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from indexer.ingest.fences import (
    CODE_SPAN_RE,
    code_mask,
    outside_code,
    prose_lines,
    sub_in_prose,
    sub_outside_code,
)
from indexer.ingest.site import PAGE_SUFFIXES, Site, route_key

_MD_LINK_RE = re.compile(r"(\]\(\s*<?)([^()\s<>]+)(>?(?:\s+\"[^\"]*\")?\s*\))")
# A reference definition on one line (each line of a block of them is one: no part of the pattern
# may reach into the next line).
_REF_DEF_RE = re.compile(r"^([ \t]{0,3}\[(?!\^)[^\]\n]+\]:[ \t]*<?)(\S+?)(>?(?:[ \t].*)?)$", re.M)
_HREF_RE = re.compile(r"""(\bhref=["'])([^"']+)(["'])""")
_HUGO_REF_RE = re.compile(r"\{\{[<%]\s*(ref|relref)\s+(?:path=)?[\"']([^\"']+)[\"'][^>%]*[>%]\}\}")
_LIQUID_LINK_RE = re.compile(r"\{%-?\s*(link|post_url)\s+([^\s%]+)\s*-?%\}")
_SITE_VAR_RE = re.compile(r"\{\{-?\s*site\.(?:baseurl|url)\s*(?:\|[^}]*)?-?\}\}")
_EXTERNAL_RE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//|#|\{)", re.I)


@dataclass
class Warning:
    """A problem in a file that does not stop it being indexed."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def resolve(target: str, rel: str, site: Site) -> str | None:
    """The kb URL of the article `target` names from the page at `rel`, or None when no page of
    the site answers to it. A target outside the site (a URL, an anchor) is returned unchanged."""
    if _EXTERNAL_RE.match(target):
        return target
    path, _, anchor = target.partition("#")
    path = path.split("?", 1)[0]
    here = posixpath.dirname(rel)
    page = route_key(rel)
    if path.startswith("/"):
        candidates = [path]
        parts = path.strip("/").split("/", 1)
        if len(parts) == 2:
            candidates.append(parts[1])  # under the site's base path: /docs/x, /help/x
    else:
        candidates = [posixpath.join(here, path), posixpath.join(page, path), path]
    for candidate in candidates:
        key = route_key(posixpath.normpath("/" + candidate))
        found = site.routes.get(key)
        if found is not None:
            return site.article_url(found, anchor)
    return None


def _is_asset(target: str) -> bool:
    tail = target.split("#", 1)[0].rsplit("/", 1)[-1]
    return "." in tail and not tail.lower().endswith(PAGE_SUFFIXES)


def resolve_links(text: str, rel: str, site: Site, first_line: int) -> tuple[str, list[Warning]]:
    """`text` (the body of `rel`, starting at line `first_line` of its file) with every link to
    another article pointed at its kb URL, and a warning for each link to nothing."""
    warnings: list[Warning] = []
    text = sub_outside_code(_SITE_VAR_RE, lambda _m: "", text)
    text = sub_outside_code(_LIQUID_LINK_RE, _liquid_path, text)
    spans = [m.span() for m in CODE_SPAN_RE.finditer(text)]

    def in_code_span(pos: int) -> bool:
        return any(a <= pos < b for a, b in spans)

    def line_of(pos: int) -> int:
        return first_line + text.count("\n", 0, pos)

    def point(prefix: str, target: str, suffix: str, pos: int) -> str:
        if in_code_span(pos) or _EXTERNAL_RE.match(target):
            return prefix + target + suffix
        url = resolve(target, rel, site)
        if url is None:
            kind = "file" if _is_asset(target) else "article"
            warnings.append(Warning(rel, line_of(pos), f"dead link to {target} (no such {kind})"))
            return prefix + target + suffix
        return prefix + url + suffix

    def hugo_ref(m: re.Match[str]) -> str:
        if in_code_span(m.start()):
            return m.group(0)
        url = resolve(m.group(2), rel, site)
        if url is None:
            warnings.append(Warning(rel, line_of(m.start()), f"dead {m.group(1)} to {m.group(2)}"))
            return m.group(2)
        return url

    text = sub_outside_code(_HUGO_REF_RE, hugo_ref, text)
    for pattern in (_MD_LINK_RE, _REF_DEF_RE, _HREF_RE):
        spans = [m.span() for m in CODE_SPAN_RE.finditer(text)]
        text = sub_outside_code(
            pattern, lambda m: point(m.group(1), m.group(2), m.group(3), m.start(2)), text
        )
    return text, warnings


def _liquid_path(m: re.Match[str]) -> str:
    """`{% link _docs/x.md %}` as the file's path, `{% post_url name %}` as its post's path."""
    path = m.group(2)
    return f"/_posts/{path}.md" if m.group(1) == "post_url" else "/" + path.lstrip("/")


_REF_DEF_LINE_RE = re.compile(
    r"^ {0,3}\[([^\]\n]+)\]:[ \t]*<?([^\s>]+)>?(?:[ \t]+(\"[^\"\n]*\"))?[ \t]*$"
)
_BRACKETS_RE = re.compile(r"[\[\]]")
# "[text][label]" or "[text][]" (a colon may follow: only "[label]:" starts a definition) or
# "[label]" alone.
_REF_USE_RE = re.compile(
    r"(!?)\[((?:[^\[\]\n]|\[[^\[\]\n]*\])+)\](?:\[([^\[\]\n]*)\](?![(\[])|(?![(:\[]))"
)


def inline_references(text: str) -> str:
    """Reference links (`[text][label]`, `[label][]`, `[label]`) written as inline links and their
    definitions removed (outside fenced code and code spans). kb renders an article section by
    section, and a definition at the page's foot serves every section of it on the site."""
    lines = text.split("\n")
    mask = code_mask(lines)
    defs: dict[str, str] = {}
    for i, line in enumerate(lines):
        m = None if mask[i] else _REF_DEF_LINE_RE.match(line)
        if m:
            target = m.group(2) + (f" {m.group(3)}" if m.group(3) else "")
            defs.setdefault(_label(m.group(1)), target)
            lines[i] = ""
    if not defs and "][]" not in text:
        return text

    def link(m: re.Match[str], run: str) -> str:
        bang, text = run[m.start(1) : m.end(1)], run[m.start(2) : m.end(2)]
        label = run[m.start(3) : m.end(3)] if m.group(3) else text
        target = defs.get(_label(label))
        if target:
            return f"{bang}[{text}]({target})"
        if m.group(3) == "":
            # "[text][]" defined elsewhere (by a template, in a shared file): the site shows a
            # link, so its words are read, not the brackets.
            return text
        return run[m.start() : m.end()]

    return outside_code(
        "\n".join(lines), lambda run: sub_in_prose(_REF_USE_RE, link, run, _BRACKETS_RE)
    )


# A footnote's use, "text.[^1]", and its definition, a line "[^1]: the note" (the lines indented
# below it continue it), as kramdown, Goldmark, MkDocs and Docusaurus write them.
_FOOTNOTE_USE_RE = re.compile(r"\[\^([^\]\s]+)\](?!:)")
_FOOTNOTE_DEF_RE = re.compile(r"^ {0,3}\[\^([^\]\s]+)\]:[ \t]*")


def footnotes(text: str) -> str:
    """Footnotes as their markers and notes (outside fenced code and code spans): a use of a label
    the page defines becomes the label in superscript (another "[^x]" stays as written, as the
    generators leave it) and a definition a paragraph that starts with it, where it stands (at the
    page's foot, in its last section). kb renders a page section by section, so they are not
    linked to each other."""
    if "[^" not in text:
        return text
    defined = {m.group(1) for line in prose_lines(text) if (m := _FOOTNOTE_DEF_RE.match(line))}
    if not defined:
        return text

    def use(m: re.Match[str], run: str) -> str:
        label = run[m.start(1) : m.end(1)]
        return f"<sup>{label}</sup>" if label in defined else run[m.start() : m.end()]

    def in_run(run: str) -> str:
        lines = run.split("\n")
        inside = False  # in the indented lines that continue a definition
        for i, line in enumerate(lines):
            if m := _FOOTNOTE_DEF_RE.match(line):
                lines[i] = f"<sup>{m.group(1)}</sup> {line[m.end() :]}"
                inside = True
            elif inside and (not line.strip() or line.startswith("    ")):
                lines[i] = line[4:]
            else:
                inside = False
        return sub_in_prose(_FOOTNOTE_USE_RE, use, "\n".join(lines), _BRACKETS_RE)

    return outside_code(text, in_run)


def _label(label: str) -> str:
    return " ".join(label.split()).casefold()
