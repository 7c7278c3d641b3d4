"""Include directives resolved: the included file's text in place of the directive.

PyMdown Snippets (`--8<-- "file"`, one line or a block of file names), markdown-include
(`{!file!}`), the `{* file *}` form of some MkDocs sites, Hugo's `include` shortcode and Liquid's
`{% include file %}` / `{% include_relative file %}` (its `{{ include.key }}` filled from the
directive's parameters). A file is looked for beside the including page, then from the content
folder's root (and its `_includes/` for Liquid); only a file inside the content folder is read. One
that is missing or outside is dropped, with a warning.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from indexer.ingest.fences import code_mask
from indexer.ingest.links import Warning
from indexer.ingest.site import Site

MAX_DEPTH = 5  # includes within includes; deeper (or a loop) is dropped with a warning

_DIRECTIVE_RE = re.compile(
    r"""^(?P<indent>[ \t]*)(?:
        --8<--[ \t]+["']?(?P<snippet>[^"'\s]+)["']?
      | \{!\s*(?P<mdinclude>[^!\s]+)\s*!\}
      | \{\*\s*(?P<star>[^*\s]+)[^*]*\*\}
      | \{\{[<%]\s*include\s+["'](?P<hugo>[^"']+)["']\s*[>%]\}\}
      | \{%-?\s*include(?P<relative>_relative)?\s+["']?(?P<liquid>[^\s"'%]+)["']?
        (?P<params>(?:"[^"]*"|'[^']*'|[^%"'])*?)-?%\}
    )[ \t]*$""",
    re.X,
)
_SNIPPET_BLOCK = "--8<--"
# A Liquid include's parameters, `key="text"`, `key='text'` or `key=variable`, and their uses in
# the included file, `{{ include.key }}` (filters and all, `| markdownify`).
_PARAM_RE = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([\w.-]+))""")
_PARAM_USE_RE = re.compile(r"\{\{-?\s*include\.([\w-]+)[^}]*?-?\}\}")
_FRONT_RE = re.compile(r"\A---[ \t]*\r?\n.*?\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)


def resolve_includes(
    text: str,
    rel: str,
    site: Site,
    first_line: int,
    clean: Callable[[str, str], str],
    depth: int = 0,
    variables: dict[str, str] | None = None,
) -> tuple[str, list[Warning]]:
    """`text` with each include directive (outside fenced code) replaced by the file it names, as
    `clean(text, its path)` leaves it (what the site never shows removed, its links resolved). A
    Liquid include's `{{ include.key }}` is the text its directive passes (`key="…"`, or a variable
    of `variables`: the page's `{% capture %}` blocks), "" when it passes none."""
    warnings: list[Warning] = []
    if site.root is None:
        return text, warnings
    lines = text.split("\n")
    mask = code_mask(lines)
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        names: list[tuple[str, str]] = []
        params: dict[str, str] = {}
        end = i + 1
        if not mask[i] and line.strip() == _SNIPPET_BLOCK:
            while end < len(lines) and lines[end].strip() != _SNIPPET_BLOCK:
                if lines[end].strip():
                    names.append(("snippet", lines[end].strip().strip("\"'")))
                end += 1
            end += 1
        elif not mask[i] and (m := _DIRECTIVE_RE.match(line)):
            kind = next(k for k in ("snippet", "mdinclude", "star", "hugo", "liquid") if m.group(k))
            names.append(("liquid_relative" if m.group("relative") else kind, m.group(kind)))
            for key, double, single, name in _PARAM_RE.findall(m.group("params") or ""):
                params[key] = (variables or {}).get(name, "") if name else double or single
        if not names:
            out.append(line)
            i += 1
            continue
        for kind, name in names:
            found = _locate(name, kind, rel, site.root)
            where = Warning(rel, first_line + i, "")
            if found is None or depth >= MAX_DEPTH:
                reason = "too deeply nested" if found else "not found inside the content folder"
                where.message = f"include {name} dropped ({reason})"
                warnings.append(where)
                continue
            try:
                included = _FRONT_RE.sub("", found.read_text(encoding="utf-8").lstrip("\ufeff"))
            except (OSError, UnicodeDecodeError) as exc:
                where.message = f"include {name} dropped (cannot be read: {exc})"
                warnings.append(where)
                continue
            inner_rel = found.relative_to(site.root.resolve()).as_posix()
            if kind.startswith("liquid"):
                included = _fill(included, params)
            included = clean(included, inner_rel)
            included, more = resolve_includes(
                included, inner_rel, site, 1, clean, depth + 1, variables
            )
            warnings += more
            out.append(included.rstrip("\n"))
        i = end
    return "\n".join(out), warnings


def _fill(template: str, params: dict[str, str]) -> str:
    """A Liquid include's text with each `{{ include.key }}` replaced by the value passed for key."""
    return _PARAM_USE_RE.sub(lambda use: params.get(use.group(1), ""), template)


def _locate(name: str, kind: str, rel: str, root: Path) -> Path | None:
    """The file an include names, if it exists inside the content folder."""
    base = root.resolve()
    here = (base / rel).parent
    name = name.split(":", 1)[0] if kind == "snippet" and not Path(name).suffix else name
    tries = [here / name] if kind == "liquid_relative" else [here / name, base / name.lstrip("/")]
    if kind == "liquid":
        tries.append(base / "_includes" / name)
    for path in tries:
        try:
            resolved = path.resolve()
        except OSError:
            continue
        if resolved.is_file() and resolved.is_relative_to(base):
            return resolved
    return None
