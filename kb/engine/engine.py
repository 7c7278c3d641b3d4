"""The engine's one front door: `open_engine(index_dir, ...)` gives an `Engine` that answers
questions against the live version of an index folder.

The HTTP layer, the CLI, the evaluation and any Python caller use it alike; it imports no web
framework. `search` gives a typed `SearchResult`; `respond` gives the same result as its JSON body,
which the HTTP layer sends as it is (and the result cache keeps).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from indexer import encoder
from indexer.article import Article
from kb.engine import browse
from kb.engine.cache import RESULTS
from kb.engine.common_words import DEFAULT_LANGUAGE, Lexicon
from kb.engine.confidence import Model
from kb.engine.results import SearchResult, Suggestion
from kb.engine.search import SearchEngine, SearchRequest
from kb.engine.snapshot import Snapshot, SnapshotHolder
from kb.engine.suggest import Suggester


class Engine:
    """Searches, completions, articles and channels of one index folder's live version."""

    def __init__(self, holder: SnapshotHolder, search: SearchEngine) -> None:
        self.holder = holder
        self.searcher = search
        self._suggesters: dict[str, Suggester] = {}

    def prepare(self, snap: Snapshot) -> None:
        """Load what searching `snap` takes before its first question: its typo-correction
        indexes and, where it is searched by meaning, the sentence model and its vectors' 8-bit
        products."""
        snap.vocabulary.prepare()
        if self.searcher.mode(snap) == "semantic" and snap.semantic is not None:
            encoder.shared_encoder()
            snap.semantic.products  # noqa: B018 (made here, off the request path)

    def snapshot(self) -> Snapshot:
        """The live index version (opened on first use; raises IndexMissingError when none works)."""
        return self.holder.get()

    def search(self, req: SearchRequest, max_chars: int | None = None) -> SearchResult:
        """Ranked answers for `req`, with confidence, fallback and the contact channel."""
        return SearchResult.of(self.respond(req, max_chars))

    def respond(self, req: SearchRequest, max_chars: int | None = None) -> dict[str, Any]:
        """`search`'s result as its JSON body (the shape of the API's SearchResponse, less
        `took_ms` and `search_id`). The body's answers may be the result cache's own: never change them."""
        return self.searcher.search(req, max_chars)

    def suggest(self, prefix: str, limit: int = 8, internal: bool = False) -> list[Suggestion]:
        """Titles and questions that complete `prefix` (internal ones only when `internal`)."""
        snap = self.snapshot()
        suggester = self._suggesters.get(snap.version)
        if suggester is None:
            self._suggesters = {snap.version: (suggester := Suggester(snap.articles))}
        return [
            Suggestion(e.text, e.article, e.kind, self.url(e.article, "").rstrip("#"))
            for e in suggester.suggest(prefix, limit, internal)
        ]

    def article(self, article_id: str, internal: bool = False) -> Article | None:
        """The article with this id, or None (an internal one is None unless `internal`)."""
        found = self.snapshot().articles.get(article_id)
        if found is None or (found.audience == "internal" and not internal):
            return None
        return found

    def articles(
        self,
        filters: dict[str, str] | None = None,
        internal: bool = False,
        limit: int = 50,
        cursor: str | None = None,
    ) -> browse.Page:
        """One page of the articles that have every `field: value` of `filters` (`topic` or any
        front-matter field), in a stable order; `cursor` is the previous page's `next_cursor`."""
        listed = browse.visible(self.snapshot().articles, internal)
        if filters:
            listed = [a for a in listed if browse.matches(a, filters)]
        return browse.page(listed, limit, cursor)

    def topics(self, internal: bool = False) -> list[browse.Topic]:
        """Every topic with its article count and what it covers."""
        return browse.topics(browse.visible(self.snapshot().articles, internal))

    def mode(self) -> str:
        """How the live version is searched: "semantic" (words and meaning) or "words"."""
        return self.searcher.mode(self.snapshot())

    def channels(self) -> list[dict[str, Any]]:
        """Every contact channel with whether it is open now and when it opens."""
        return self.snapshot().channels.to_json()

    def url(self, article_id: str, anchor: str) -> str:
        """A section's deep link."""
        return self.searcher.url(article_id, anchor)

    def close(self) -> None:
        """Stop polling and release the open index versions."""
        self.holder.close()


def open_engine(
    index_dir: Path,
    *,
    reload_interval_s: float = 2.0,
    timezone: str = "UTC",
    fallback_channels: Path | None = None,
    model: Model | None = None,
    max_query_chars: int = 500,
    max_limit: int = 50,
    article_url: str = "/articles/{id}#{anchor}",
    filterable: list[str] | None = None,
    thresholds: Callable[[str | None], float] | None = None,
    cache_size: int = RESULTS,
    typo_language: str = DEFAULT_LANGUAGE,
    semantic: bool = True,
    on_load: Callable[[Snapshot], None] | None = None,
    vector_cache: Path | None = None,
) -> Engine:
    """An engine over the index in `index_dir` (built by `indexer.build_index`).

    `semantic`: re-rank by meaning where the version has section vectors and the encoder is
    installed (kb.engine.semantic); False searches by words alone. The live version is looked for
    again every `reload_interval_s` at a search, or by a thread of its own once
    `engine.holder.start_polling()` is called; `on_load` runs for each version opened.
    `vector_cache`: the folder of vectors builds share (indexer.vector_cache), used for questions
    embedded in batches (a confidence fit's).
    """
    holder = SnapshotHolder(
        index_dir,
        interval_s=reload_interval_s,
        default_tz=timezone,
        fallback_channels=fallback_channels,
    )
    holder.on_load = on_load
    searcher = SearchEngine(
        holder,
        model or Model.load(),
        max_query_chars=max_query_chars,
        max_limit=max_limit,
        article_url=article_url,
        filterable=filterable,
        thresholds=thresholds,
        cache_size=cache_size,
        lexicon=Lexicon.load(typo_language),
        semantic=semantic,
        vector_cache=vector_cache,
    )
    return Engine(holder, searcher)
