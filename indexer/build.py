"""Building an index version from a content folder, atomically (see `indexer.layout`).

A full build writes every article; an incremental build starts from a copy of the live version and
re-processes only the articles whose files changed. Either way the result is published only when it
is complete, so an interrupted or failed build leaves the previous index in place and served.
"""

from __future__ import annotations

import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import yaml
from whoosh import index as whoosh_index

from indexer import article_store, ingest, layout, merge, vectors
from indexer.article import Article
from indexer.errors import ArticleError, BuildError, ContentError
from indexer.loader import Source, find_sources
from indexer.loader import article_id as page_id
from indexer.parallel import Progress, ShardedIndexing, embed_texts, parse_sources
from indexer.safe_yaml import load_yaml
from indexer.schema import SCHEMA_VERSION, STOPWORDS, WORD_RE, make_schema, plain_word
from indexer.segment import chunk_docs, chunk_sections
from indexer.vector_cache import Reads, record, through


@dataclass
class BuildReport:
    """What a build did: counts, the files it skipped and why, and how long it took.

    `skipped` holds the malformed files (errors: --strict fails on them), `excluded` the pages the
    site itself does not publish as articles (drafts, redirects, unlisted pages left out), and
    `warnings` what was indexed with a problem, as "path:line: message" where a line is known.
    """

    articles: int = 0
    chunks: int = 0
    skipped: list[ArticleError] = field(default_factory=list)
    excluded: list[ArticleError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    version: str = ""
    incremental: bool = False
    changed: int = 0
    embedded: int = 0  # texts the live version had no vector for, embedded by the model
    cached: int = 0  # texts the live version had no vector for, read from the vector cache
    pruned: int = 0  # vectors removed from the vector cache, unused for vector_cache.KEEP_DAYS

    def by_reason(self) -> dict[str, int]:
        """How many files were left out, by kind: "malformed" and each publishing decision."""
        counts = Counter(ingest.flags.kind_of(e.reason) for e in self.excluded)
        if self.skipped:
            counts["malformed"] = len(self.skipped)
        return {str(kind): n for kind, n in counts.items()}

    def to_json(self) -> dict[str, Any]:
        return {
            "articles": self.articles,
            "chunks": self.chunks,
            "skipped": [{"path": e.path, "reason": e.reason} for e in self.skipped],
            "excluded": [{"path": e.path, "reason": e.reason} for e in self.excluded],
            "left_out": self.by_reason(),
            "warnings": self.warnings,
            "seconds": round(self.seconds, 3),
            "version": self.version,
            "incremental": self.incremental,
            "changed": self.changed,
            "embedded": self.embedded,
            "cached": self.cached,
            "pruned": self.pruned,
        }


def _read_yaml(path: Path) -> Any:
    try:
        return load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ContentError(f"{path.name}: cannot be read: {exc}") from None


def _channel_ids(content_dir: Path, fallback: Path | None) -> tuple[set[str], Path | None]:
    path: Path | None = content_dir / layout.CHANNELS
    if path is None or not path.exists():
        path = fallback if fallback and fallback.exists() else None
    if path is None:
        return set(), None
    data = _read_yaml(path)
    channels = data.get("channels") if isinstance(data, dict) else None
    if not isinstance(channels, list) or not channels:
        raise ContentError(f"{path}: 'channels' must be a non-empty list")
    ids = {str(c.get("id")) for c in channels if isinstance(c, dict) and c.get("id")}
    return ids, path


def _article_text(article: Article) -> str:
    return " ".join(
        [article.title, article.summary, *article.questions, *(s.text for s in article.sections)]
    )


def _indexable(tokens: Counter[str]) -> Counter[str]:
    """Counts of raw tokens (WORD_RE's matches) as counts of the indexable words they are. A token
    is one word of `words()` (WORD_RE matches the whole of it again), `plain_word(token)`, so
    each distinct token is looked at once, not each occurrence."""
    counts: Counter[str] = Counter()
    for token, n in tokens.items():
        w = plain_word(token)
        if w not in STOPWORDS and len(w) > 1 and not w.isdigit():
            counts[w] += n
    return counts


def _tokens(texts: Iterable[str]) -> Counter[str]:
    """How often each raw token (WORD_RE's match) occurs in `texts`, in order of first occurrence.

    A token never holds whitespace, so the tokens of a text are those of its whitespace-separated
    pieces, in order: the pieces are counted (in C) and each distinct piece is searched once, not
    every occurrence of it (a regex scan of all the text would be most of a large build's
    vocabulary time).
    """
    pieces: Counter[str] = Counter()
    for text in texts:
        pieces.update(text.split())
    tokens: Counter[str] = Counter()
    findall = WORD_RE.findall
    for piece, n in pieces.items():
        for token in findall(piece):
            tokens[token] += n
    return tokens


def _word_counts(article: Article) -> Counter[str]:
    """How often each indexable word occurs in one article."""
    return _indexable(_tokens([_article_text(article)]))


def _vocabulary(articles: Iterable[Article]) -> dict[str, int]:
    """How often each indexed word occurs: the base of typo correction and coverage."""
    return dict(_indexable(_tokens(_article_text(a) for a in articles)))


def _vocabulary_update(
    live: Path, previous: dict[str, Article], changed: list[Article], removed: set[str]
) -> dict[str, int]:
    """The live vocabulary with the old versions of changed and removed articles taken out and the
    new ones added: an incremental build reads only what changed."""
    counts: Counter[str] = Counter(orjson.loads((live / layout.VOCAB).read_bytes()))
    for article_id in removed | {a.id for a in changed}:
        if article_id in previous:
            counts.subtract(_word_counts(previous[article_id]))
    for article in changed:
        counts.update(_word_counts(article))
    return {w: n for w, n in counts.items() if n > 0}


def build_index(
    content_dir: Path,
    index_dir: Path,
    *,
    strict: bool = False,
    incremental: bool = False,
    default_channels: Path | None = None,
    progress: Progress | None = None,
    content_format: str = "auto",
    include_unlisted: bool = True,
    component_text: dict[str, str] | None = None,
    semantic: bool | None = None,
    before_publish: Callable[[Path], None] | None = None,
    vector_cache: Path | None = None,
) -> BuildReport:
    """Build a new index version from `content_dir` and publish it in `index_dir`.

    `content_format` names the generator the articles were written for ("auto": found per file,
    see `indexer.ingest`); `include_unlisted` keeps the pages a site publishes without listing;
    `component_text` writes MDX components as text (`{"PlanFeatureNote": "On the {plan} plan."}`).
    A live version read with other options of these three is not built on: the build is full.
    `semantic`: store section vectors (indexer.vectors); None: as the live version does.
    `before_publish` is called with the complete version's folder before it goes live (the service
    fits its per-index models there). `vector_cache`: a folder of vectors shared by the machine's
    builds (indexer.vector_cache), read before embedding; the published version is recorded there
    and vectors no build has used for a while are removed from it.

    Raises ContentError when the folder cannot be used, BuildError when the build fails (or, under
    `strict`, when any article is malformed); in every failure the live version is untouched.
    """
    started = time.perf_counter()
    content_dir = Path(content_dir)
    index_dir = Path(index_dir)
    if not content_dir.is_dir():
        raise ContentError(f"content folder not found: {content_dir}")
    report = BuildReport()
    known, channels_path = _channel_ids(content_dir, default_channels)
    if channels_path is not None and channels_path.parent != content_dir:
        report.warnings.append("no channels.yaml in the content folder; using the default channels")

    with layout.build_lock(index_dir):
        live = layout.current_version(index_dir)
        # what reading a source depends on besides its bytes: a change means a full build
        reading = {
            "format": content_format,
            "unlisted": include_unlisted,
            "components": component_text or {},
        }
        previous = _previous_articles(live, reading) if incremental else None
        sources = list(find_sources(content_dir))
        site = ingest.scan(
            content_dir,
            ((s.rel, s.raw) for s in sources),
            page_id,
            forced=None if content_format == "auto" else _format(content_format),
            include_unlisted=include_unlisted,
            components=component_text,
        )
        for source in sources:
            source.site = site
        build_dir = layout.new_build_dir(index_dir)
        try:
            if previous is not None and live is not None:
                read = _read_articles(sources, previous, known or None, progress)
                articles, changed = _accept(sources, read, previous, report)
                _check_usable(articles, report, content_dir, strict)
                removed = set(previous) - set(articles)
                report.incremental = True
                _update_whoosh(live, build_dir, changed, removed)
                vocabulary = _vocabulary_update(live, previous, changed, removed)
                _write_metadata(
                    build_dir,
                    content_dir,
                    channels_path,
                    articles,
                    vocabulary,
                    live=live,
                    previous=previous,
                )
                report.changed = len(changed) + len(removed)
            else:
                target = build_dir / layout.WHOOSH_DIR
                target.mkdir()
                ix = whoosh_index.create_in(str(target), make_schema())
                with closing(
                    ShardedIndexing(sources, known or None, target, ix.indexname)
                ) as shards:
                    parsed = shards.results(progress)
                    articles, changed = _accept(sources, parsed, None, report, shards.reject)
                    _check_usable(articles, report, content_dir, strict)
                    # this process writes the metadata while the workers write their segments
                    _write_metadata(build_dir, content_dir, channels_path, articles)
                    _commit_segments(ix, shards)
                report.changed = len(changed)
            report.articles = len(articles)
            report.chunks = sum(len(chunk_sections(a)) for a in articles.values())
            if semantic if semantic is not None else vectors.kept(live):
                reads = Reads()
                embed = through(vector_cache, embed_texts, reads)
                fresh = vectors.write(build_dir, articles.values(), live, embed)
                report.embedded, report.cached = fresh - reads.texts, reads.texts
            report.seconds = time.perf_counter() - started
            _write_manifest(build_dir, content_dir, articles, report, reading)
            if before_publish is not None:
                before_publish(build_dir)
            final = layout.publish(index_dir, build_dir)
        except OSError as exc:  # disk full, content vanished, I/O error: the live version stays
            shutil.rmtree(build_dir, ignore_errors=True)
            raise BuildError(f"could not write the new index version: {exc}") from exc
        except BaseException:
            shutil.rmtree(build_dir, ignore_errors=True)
            raise
        report.version = final.name
        layout.cleanup(index_dir)
        report.pruned = record(vector_cache, final)
    report.seconds = time.perf_counter() - started
    return report


def _accept(
    sources: list[Source],
    results: Iterable[Article | ArticleError],
    previous: dict[str, Article] | None,
    report: BuildReport,
    reject: Callable[[int], None] | None = None,
) -> tuple[dict[str, Article], list[Article]]:
    """The usable articles by id, in source order, and those of them that are new or changed;
    each malformed file and duplicate id is added to the report's skipped (and, for a duplicate,
    passed to `reject` by its position in `sources`)."""
    articles: dict[str, Article] = {}
    changed: list[Article] = []
    seen: dict[str, str] = {}
    for position, (source, result) in enumerate(zip(sources, results, strict=True)):
        if isinstance(result, ArticleError):
            left_out = ingest.flags.kind_of(result.reason) is not None
            (report.excluded if left_out else report.skipped).append(result)
            continue
        article = result
        report.warnings += ingest.take_warnings(article)
        if article.id in seen:
            reason = f"duplicate id {article.id!r} (first in {seen[article.id]})"
            report.skipped.append(ArticleError(source.rel, reason))
            if reject is not None:
                reject(position)
            continue
        seen[article.id] = source.rel
        articles[article.id] = article
        if previous is None or previous.get(article.id, None) is not article:
            changed.append(article)
    return articles, changed


def _format(name: str) -> ingest.Format:
    if name not in ingest.FORMATS:
        raise ContentError(f"unknown content format {name!r} (auto, {', '.join(ingest.FORMATS)})")
    return name  # type: ignore[return-value]  # checked against the Literal's values above


def _check_usable(
    articles: dict[str, Article], report: BuildReport, content_dir: Path, strict: bool
) -> None:
    if strict and report.skipped:
        raise BuildError(
            f"{len(report.skipped)} malformed article(s) (--strict): "
            + "; ".join(str(e) for e in report.skipped[:5])
        )
    if not articles:
        raise BuildError(f"no usable articles in {content_dir}")


def _read_articles(
    sources: list[Source],
    previous: dict[str, Article] | None,
    known: set[str] | None,
    progress: Progress | None,
) -> list[Article | ArticleError]:
    """Every source as its Article, or the ArticleError saying why it cannot be used, in order.

    The previous build's article is reused when its file is byte-for-byte the same; the others are
    parsed (in worker processes when there are many, see `indexer.parallel`).
    """
    reusable: dict[tuple[str, str], Article] = {}
    for article in (previous or {}).values():
        reusable.setdefault((article.source, article.digest), article)
    keys = [(source.rel, source.digest) for source in sources]
    fresh = [s for s, key in zip(sources, keys, strict=True) if key not in reusable]
    results: list[Article | ArticleError] = []
    with closing(parse_sources(fresh, known)) as parsed:  # closing: workers stop on any failure
        for n, key in enumerate(keys, 1):
            reused = reusable.get(key)
            results.append(reused if reused is not None else next(parsed))
            if progress:
                progress(n, len(sources))
    return results


def live_articles(index_dir: Path) -> dict[str, Article] | None:
    """The live version's articles as the next incremental build reads them (and keeps, for the
    process's later reads); None when there is none it could build on."""
    return _previous_articles(layout.current_version(index_dir))


def _previous_articles(
    live: Path | None, reading: dict[str, Any] | None = None
) -> dict[str, Article] | None:
    """The live version's articles, to build on; None when it was written by another schema, or
    read with other `reading` options (when given), or cannot be read."""
    if live is None:
        return None
    try:
        manifest = orjson.loads((live / layout.MANIFEST).read_bytes())
        if manifest.get("schema_version") != SCHEMA_VERSION:
            return None
        if reading is not None and manifest.get("reading", reading) != reading:
            return None
        return article_store.shared.read(live)
    except (OSError, ValueError, KeyError, TypeError):
        return None  # an unreadable live version: fall back to a full build


def _commit_segments(ix: whoosh_index.Index, shards: ShardedIndexing) -> None:
    """Make the segments the workers wrote the new index's contents (its table of contents lists
    them, in source order), once they are all written."""
    segments = shards.segments()
    writer = ix.writer()
    try:
        writer.commit(mergetype=lambda _writer, existing: [*existing, *segments])
    except BaseException:
        if not writer.is_closed:  # a failed commit has closed it; cancel() would mask the error
            writer.cancel()
        raise


def _update_whoosh(live: Path, build_dir: Path, changed: list[Article], removed: set[str]) -> None:
    # Whoosh never changes a file it has written (deletions go in the new table of contents), so
    # the live version's files are linked, not copied: an edit writes and syncs only what it adds.
    shutil.copytree(live / layout.WHOOSH_DIR, build_dir / layout.WHOOSH_DIR, copy_function=_link)
    ix = whoosh_index.open_dir(str(build_dir / layout.WHOOSH_DIR))
    writer = ix.writer(limitmb=128)
    try:
        for article_id in removed | {a.id for a in changed}:
            writer.delete_by_term("article", article_id)
        for article in changed:
            for doc in chunk_docs(article):
                writer.add_document(**doc)
        # The new segment, with the small segments merged in when a tier of them has filled up
        # (indexer.merge): edits do not pile segments up, and the large ones wait for a full build.
        writer.commit(mergetype=merge.tiered)
    except BaseException:
        if not writer.is_closed:  # a failed commit has closed it; cancel() would mask the error
            writer.cancel()
        raise
    ix.close()


def _link(source: str, target: str) -> None:
    """shutil.copytree's copy: a link to the live version's file, or a copy where there can be none."""
    if not layout.link(source, target):
        shutil.copy2(source, target)


def _write_json(path: Path, data: Any) -> None:
    path.write_bytes(orjson.dumps(data))


def _write_metadata(
    build_dir: Path,
    content_dir: Path,
    channels_path: Path | None,
    articles: dict[str, Article],
    vocabulary: dict[str, int] | None = None,
    live: Path | None = None,
    previous: dict[str, Article] | None = None,
) -> None:
    """Everything of a version but its Whoosh segments and manifest. An incremental build passes
    the live version and its articles: the article shards it leaves unchanged are linked."""
    article_store.write_articles(build_dir, articles, live, previous)
    _write_json(build_dir / layout.VOCAB, vocabulary or _vocabulary(articles.values()))
    if channels_path is not None:
        shutil.copyfile(channels_path, build_dir / layout.CHANNELS)
    synonyms = content_dir / layout.SYNONYMS
    if synonyms.exists():
        _read_yaml(synonyms)  # a broken synonyms file fails the build, not the service
        shutil.copyfile(synonyms, build_dir / layout.SYNONYMS)


def _write_manifest(
    build_dir: Path,
    content_dir: Path,
    articles: dict[str, Article],
    report: BuildReport,
    reading: dict[str, Any],
) -> None:
    _write_json(
        build_dir / layout.MANIFEST,
        {
            "schema_version": SCHEMA_VERSION,
            "built_at": time.time(),
            "content_dir": str(content_dir.resolve()),
            # the cache is pruned once the version is live: not a figure of the version
            **{k: v for k, v in report.to_json().items() if k != "pruned"},
            "articles": len(articles),
            "reading": reading,
        },
    )
