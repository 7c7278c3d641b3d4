"""kb's search engine, a library that knows nothing of HTTP.

    from kb.engine import SearchRequest, open_engine

    engine = open_engine(Path("var/index"))
    result = engine.search(SearchRequest(q="where is my refund"))
    result.answers[0].url, result.confidence, result.fallback, result.channel.id

The index is built by `indexer.build_index`; the engine reads it through indexer's public names.
"""

from kb.engine.browse import Page, Topic
from kb.engine.engine import Engine, open_engine
from kb.engine.results import Answer, ChannelChoice, MoreSection, SearchResult, Suggestion
from kb.engine.search import SearchRequest
from kb.engine.snapshot import Snapshot

__all__ = [
    "Answer",
    "ChannelChoice",
    "Engine",
    "MoreSection",
    "Page",
    "SearchRequest",
    "SearchResult",
    "Snapshot",
    "Suggestion",
    "Topic",
    "open_engine",
]
