"""The content folder as a site: where each page is served, what folders cascade onto their pages,
and which generator most of it was written for.

Read once per build, before the articles are parsed, so that a link or an include in one file can be
checked against all the others (and in worker processes without reading the folder again).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from indexer.ingest.detect import Format, detect
from indexer.safe_yaml import load_yaml

ARTICLE_PATH = "/articles/{id}"  # where kb serves an article (kb.api's article page)
# Markdown's file names: Jekyll's default list (markdown_ext), Hugo's and MDX (Docusaurus).
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkdn", ".mkd", ".mkdown", ".mdx")
PAGE_SUFFIXES = (*MARKDOWN_SUFFIXES, ".html", ".htm")

_FRONT_RE = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
# Front-matter fields that change where a page is served or what its folder passes on.
_ROUTING_RE = re.compile(
    r"^(?:id|slug|url|permalink|aliases|redirect_from|cascade|title|linkTitle|sidebar_label):", re.M
)
_KEY_RE = re.compile(r"^([A-Za-z_][\w-]*):", re.M)


def route_key(path: str) -> str:
    """A page path as a lookup key: no leading or trailing slash, no page suffix, no index page, in
    lower case (Hugo serves every path in lower case; a help center has no two pages differing in
    case only)."""
    path = path.split("#", 1)[0].split("?", 1)[0].strip().strip("/").lower()
    for suffix in PAGE_SUFFIXES:
        if path.lower().endswith(suffix):
            path = path[: -len(suffix)]
            break
    parts = [p for p in path.split("/") if p and p != "."]
    if parts and parts[-1] in ("index", "_index", "readme"):
        parts = parts[:-1]
    return "/".join(parts)


@dataclass
class Site:
    """Every page of the content folder by the paths it is served at, and the build's choices."""

    root: Path | None = None
    routes: dict[str, str] = field(default_factory=dict)  # route_key → article id
    titles: dict[str, str] = field(default_factory=dict)  # article id → title, where known
    cascades: dict[str, dict[str, Any]] = field(default_factory=dict)  # folder → cascaded fields
    format: Format = "plain"  # the generator most files show the marks of
    forced: Format | None = None  # KB_CONTENT_FORMAT when not "auto"
    include_unlisted: bool = True
    components: dict[str, str] = field(default_factory=dict)  # MDX component → text template

    def inherited(self, rel: str) -> dict[str, Any]:
        """Fields the page's folders cascade onto it (Hugo's `cascade`), nearest folder last."""
        merged: dict[str, Any] = {}
        parts = PurePosixPath(rel).parent.parts
        for depth in range(len(parts) + 1):
            merged.update(self.cascades.get("/".join(parts[:depth]), {}))
        return merged

    def format_of(self, rel: str, meta: dict[str, Any], body: str) -> Format:
        if self.forced is not None:
            return self.forced
        found = detect(rel, meta, body)
        return self.format if found == "plain" else found

    def article_url(self, article_id: str, anchor: str = "") -> str:
        url = ARTICLE_PATH.format(id=article_id)
        return f"{url}#{anchor}" if anchor else url


# Front matter already parsed by this process, by a digest of its text: a process that rebuilds on
# each edit (KB_WATCH) would otherwise parse every unchanged file's YAML again. The fields are read,
# never changed, by scan. Cleared when full: 16-byte keys and a few fields each.
_PARSED: dict[bytes, dict[str, Any]] = {}
_PARSED_MAX = 200_000


def _front_matter(text: str) -> tuple[dict[str, Any], str]:
    """A file's YAML front matter (parsed only when it holds a field that matters here) and body."""
    m = _FRONT_RE.match(text)
    if not m:
        return {}, text
    block, body = m.group(1), text[m.end() :]
    if not _ROUTING_RE.search(block):
        return dict.fromkeys(_KEY_RE.findall(block)), body
    key = hashlib.blake2b(block.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    data = _PARSED.get(key)
    if data is None:
        try:
            parsed = load_yaml(block)
        except Exception:
            parsed = None
        data = parsed if isinstance(parsed, dict) else {}
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[key] = data
    return data, body


def scan(
    root: Path | None,
    sources: Iterable[tuple[str, bytes]],
    article_id: Callable[[str, dict[str, Any]], str],
    *,
    forced: Format | None = None,
    include_unlisted: bool = True,
    components: dict[str, str] | None = None,
) -> Site:
    """The site of these (rel, raw) sources: routes by path, slug, url and alias, cascades, format."""
    site = Site(
        root=root,
        forced=forced,
        include_unlisted=include_unlisted,
        components=dict(components or {}),
    )
    formats: Counter[Format] = Counter()
    for rel, raw in sources:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue
        meta, body = _front_matter(text)
        try:
            pid = article_id(rel, meta)
        except Exception:
            continue
        formats[detect(rel, meta, body)] += 1
        keys = [route_key(rel)]
        for name in ("url", "permalink"):
            if isinstance(meta.get(name), str):
                keys.append(route_key(meta[name]))
        slug = meta.get("slug")
        if isinstance(slug, str) and slug.strip("/"):
            base = "" if slug.startswith("/") else str(PurePosixPath(route_key(rel)).parent)
            keys.append(route_key(f"{base}/{slug}"))
        for name in ("aliases", "redirect_from"):
            value = meta.get(name)
            for alias in value if isinstance(value, list) else [value]:
                if isinstance(alias, str):
                    keys.append(route_key(alias))
        for key in keys:
            site.routes.setdefault(key, pid)
        title = meta.get("title")
        if isinstance(title, str) and title.strip():
            site.titles[pid] = title.strip()
        cascade = meta.get("cascade")
        if PurePosixPath(rel).stem in ("_index", "index") and cascade:
            merged: dict[str, Any] = {}
            for part in cascade if isinstance(cascade, list) else [cascade]:
                if isinstance(part, dict):
                    merged.update({k: v for k, v in part.items() if k != "_target"})
            site.cascades[str(PurePosixPath(rel).parent).strip(".")] = merged
    formats.pop("plain", None)
    if formats:
        site.format = formats.most_common(1)[0][0]
    return site
