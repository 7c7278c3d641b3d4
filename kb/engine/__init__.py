"""kb's search engine, a library that knows nothing of HTTP.

    from kb.engine import SearchRequest, open_engine

    engine = open_engine(Path("var/index"))
    result = engine.search(SearchRequest(q="where is my refund"))
    result.answers[0].url, result.confidence, result.fallback, result.channel.id

The index is built by `indexer.build_index`; the engine reads it through indexer's public names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import lazy_loader

if TYPE_CHECKING:
    from kb.engine.browse import Page as Page
    from kb.engine.browse import Topic as Topic
    from kb.engine.engine import Engine as Engine
    from kb.engine.engine import open_engine as open_engine
    from kb.engine.results import Answer as Answer
    from kb.engine.results import ChannelChoice as ChannelChoice
    from kb.engine.results import MoreSection as MoreSection
    from kb.engine.results import SearchResult as SearchResult
    from kb.engine.results import Suggestion as Suggestion
    from kb.engine.search import SearchRequest as SearchRequest
    from kb.engine.snapshot import Snapshot as Snapshot

# kb.config and `kb serve`'s supervising process import a constant or two from the engine's
# modules, and with them this package: the engine itself (numpy, the index readers) is imported
# when one of these names is first used.
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "browse": ["Page", "Topic"],
        "engine": ["Engine", "open_engine"],
        "results": ["Answer", "ChannelChoice", "MoreSection", "SearchResult", "Suggestion"],
        "search": ["SearchRequest"],
        "snapshot": ["Snapshot"],
    },
)
