"""Reading a content folder: Markdown files with YAML front matter become `Article`s.

A malformed file is never fatal here: it becomes an `ArticleError` (path and reason) that the build
reports and skips, or turns into a failure under --strict.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import frontmatter
import yaml

from indexer import ingest
from indexer.article import Article, Section
from indexer.chunker import split_sections
from indexer.errors import ArticleError, ContentError
from indexer.ingest.site import MARKDOWN_SUFFIXES
from indexer.schema import analyzer

ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,127}$")
AUDIENCES = ("public", "internal")


@dataclass
class Source:
    """One Markdown file found under the content folder."""

    path: Path
    rel: str
    raw: bytes
    site: ingest.Site | None = None  # the folder's pages, for links and includes; set by the build

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()[:16]


def find_sources(content_dir: Path) -> Iterator[Source]:
    """Every Markdown file under the folder, in a stable order; hidden folders are not content."""
    for path in sorted(content_dir.rglob("*")):
        rel = path.relative_to(content_dir)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.suffix.lower() in MARKDOWN_SUFFIXES and path.is_file():
            try:
                raw = path.read_bytes()
            except FileNotFoundError:
                continue  # deleted since the folder was listed: it is no longer content
            except OSError as exc:
                raise ContentError(f"{rel.as_posix()}: cannot be read: {exc}") from None
            yield Source(path=path, rel=rel.as_posix(), raw=raw)


def slug_id(rel: str) -> str:
    """An id derived from a file's path when its front matter has none ("guides/_index.md" → "guides")."""
    stem = rel.rsplit(".", 1)[0]
    parts = [p for p in stem.split("/") if p]
    if len(parts) > 1 and parts[-1] in ("_index", "index"):
        parts = parts[:-1]
    slug = re.sub(r"[^a-z0-9._-]+", "-", "-".join(parts).lower()).strip("-._")
    return slug[:128] or "article"


def article_id(rel: str, meta: dict[str, Any]) -> str:
    """A page's id: its `id`, else its single-segment `slug` in place of its file name, else its path
    (`slug: /`, a home page, keeps the path's id)."""
    given = _text(meta, "id")
    if given:
        return given
    slug = _text(meta, "slug")
    if slug and slug.strip("/") and "/" not in slug.strip("/"):
        return slug_id(str(PurePosixPath(rel).with_name(slug.strip("/") + ".md")))
    return slug_id(rel)


def _text(meta: dict[str, Any], key: str) -> str | None:
    value = meta.get(key)
    if value is None:
        return None
    if isinstance(value, str | int | float):
        return str(value).strip() or None
    raise ArticleError("", f"front matter field '{key}' must be text, not {type(value).__name__}")


def parse_article(source: Source, known_channels: set[str] | None = None) -> Article:
    """Parse one file into an Article, or raise ArticleError saying why it cannot be used."""
    try:
        return _parse(source, known_channels)
    except ArticleError as exc:
        raise ArticleError(source.rel, exc.reason) from None


def _parse(source: Source, known_channels: set[str] | None) -> Article:
    try:
        text = source.raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ArticleError(source.rel, f"not UTF-8 (byte {exc.start})") from None
    text = text.lstrip("\ufeff")
    try:
        _reject_non_mapping(text)
        post = frontmatter.loads(text)
    except ArticleError:
        raise
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ArticleError(source.rel, f"bad front matter: {first}") from None
    except Exception as exc:
        raise ArticleError(source.rel, f"bad front matter: {exc}") from None
    meta = post.metadata
    if not isinstance(meta, dict):
        raise ArticleError(source.rel, "front matter is not a mapping")
    _check_size(meta)
    site = source.site or ingest.Site()
    # Which files make no page is the site's generator's rule (a Jekyll site's _posts are pages).
    generator = site.forced or site.format
    ingest.flags.check(
        source.rel, {**site.inherited(source.rel), **meta}, site.include_unlisted, generator
    )

    page_id = article_id(source.rel, meta)
    if not ID_RE.match(page_id):
        raise ArticleError(
            source.rel, f"invalid id {page_id!r} (lower-case letters, digits, . _ -)"
        )

    body = post.content
    first_line = text[: text.find(body)].count("\n") + 1 if body else 1
    prepared = ingest.prepare(source.rel, meta, body, site, first_line)
    sections, body_title = split_sections(prepared.body)
    names = [_text(meta, key) for key in ("title", "linkTitle", "sidebar_label")]
    title = next((n for n in names if n), None) or body_title
    if not title:
        raise ArticleError(source.rel, "no title (front matter 'title' or a '# ' heading)")
    summary = next(
        (s for key in ("summary", "description", "excerpt") if (s := _text(meta, key))), ""
    )

    questions_raw = meta.get("questions") or []
    if not isinstance(questions_raw, list) or not all(isinstance(q, str) for q in questions_raw):
        raise ArticleError(source.rel, "'questions' must be a list of strings")
    questions_raw = questions_raw + other_names(title, names)
    channel = _text(meta, "channel")
    if channel and known_channels is not None and channel not in known_channels:
        raise ArticleError(source.rel, f"unknown channel {channel!r}")
    audience = (_text(meta, "audience") or "public").lower()
    if audience not in AUDIENCES:
        raise ArticleError(source.rel, f"audience must be one of {', '.join(AUDIENCES)}")
    topic = (_text(meta, "topic") or _default_topic(source.rel)).lower()

    sections = [s for s in sections if s.text.strip() or s.level <= 1]
    sections = _finish_sections(sections, title)
    if not any(s.text.strip() for s in sections) and not summary:
        raise ArticleError(source.rel, "no text to index")

    article = Article(
        id=page_id,
        title=title,
        summary=summary,
        topic=topic,
        channel=channel,
        audience=audience,
        questions=[q.strip() for q in questions_raw if q.strip()],
        source=source.rel,
        digest=source.digest,
        meta={k: v for k, v in meta.items() if _jsonable(v)},
        sections=sections,
        stub=is_stub(sections),
    )
    return ingest.attach_warnings(article, prepared.warnings)


STUB_WORDS = 10  # fewer words of its own than this, and a page says next to nothing
_WORD_RE = re.compile(r"\w+")
_LINK_TEXT_RE = re.compile(r"<a\b[^>]*>(.*?)</a>", re.S)
_TAG_RE = re.compile(r"<[^>]+>")


def is_stub(sections: list[Section]) -> bool:
    """Whether an article is near-empty (fewer than STUB_WORDS words that are not link text) or a
    list of links (more words in links than outside them). Its title and headings do not count:
    they are what it would be found by. A short page with a sentence and a link is no stub."""
    words = sum(len(_WORD_RE.findall(s.text)) for s in sections)
    linked = sum(
        len(_WORD_RE.findall(_TAG_RE.sub(" ", m)))
        for s in sections
        for m in _LINK_TEXT_RE.findall(s.html)
    )
    own = words - linked
    return own < STUB_WORDS or linked > own


def other_names(title: str, names: list[str | None]) -> list[str]:
    """The navigation names (Hugo's `linkTitle`, Docusaurus's `sidebar_label`) that give the article
    words its title lacks: searched as its questions.

    A name made of the title's own words ("Links" for "Link render hooks") names nothing new; as a
    question of a word or two it would only count those words twice and claim every query that
    uses one of them.
    """
    title_terms = _terms(title)
    return [n for n in dict.fromkeys(names) if n and n != title and _terms(n) - title_terms]


def _terms(text: str) -> set[str]:
    """The index's terms of a text (stemmed, stop words out), as its analyzer makes them."""
    return {token.text for token in _ANALYZER(text)}


_ANALYZER = analyzer()
_YAML = frontmatter.YAMLHandler()


def _reject_non_mapping(text: str) -> None:
    """python-frontmatter silently drops front matter that is not a mapping; say so instead."""
    if _YAML.detect(text):
        block = _YAML.split(text)[0]
        data = _YAML.load(block)  # python-frontmatter's loader: libyaml's (C) when installed
        if data is not None and not isinstance(data, dict):
            raise ArticleError("", "front matter is not a mapping")


MAX_META_VALUES = 10_000  # front matter is a few fields; YAML aliases can expand it without bound
MAX_META_DEPTH = 32


def _check_size(value: Any, depth: int = 0) -> int:
    """How many values the front matter holds; ArticleError when YAML aliases blow it up or loop."""
    if depth > MAX_META_DEPTH:
        raise ArticleError(
            "", f"front matter nested deeper than {MAX_META_DEPTH} levels (or a loop)"
        )
    children = (
        value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    )
    count = 1
    for child in children:
        count += _check_size(child, depth + 1)
        if count > MAX_META_VALUES:
            raise ArticleError("", f"front matter holds more than {MAX_META_VALUES} values")
    return count


def _finish_sections(sections: list[Any], title: str) -> list[Any]:
    """Put the article title at the root of every heading path."""
    for s in sections:
        s.path = [title, *s.path]
    return sections


def _default_topic(rel: str) -> str:
    parts = rel.split("/")
    return parts[0] if len(parts) > 1 else "general"


def _jsonable(value: Any) -> bool:
    """Front-matter values kept in the index metadata: JSON scalars and containers of them (integers
    within 64 bits: the metadata is written with orjson)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return -(2**63) <= value < 2**64
    if value is None or isinstance(value, str | float | bool):
        return True
    if isinstance(value, list):
        return all(_jsonable(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _jsonable(v) for k, v in value.items())
    return False
