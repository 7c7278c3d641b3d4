"""kb's search engine, a library that knows nothing of HTTP.

    from kb.engine import SearchRequest, open_engine

    engine = open_engine(Path("var/index"))
    result = engine.search(SearchRequest(q="where is my refund"))
    result.answers[0].url, result.confidence, result.fallback, result.channel.id

The index is built by `indexer.build_index`; the engine reads it through indexer's public names.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

# kb.config and `kb serve`'s supervising process import a constant or two from the engine's
# modules, and with them this package: the engine itself (numpy, the index readers) is imported
# when one of these names is first used.
_HOMES = {
    "Answer": "kb.engine.results",
    "ChannelChoice": "kb.engine.results",
    "Engine": "kb.engine.engine",
    "MoreSection": "kb.engine.results",
    "Page": "kb.engine.browse",
    "SearchRequest": "kb.engine.search",
    "SearchResult": "kb.engine.results",
    "Snapshot": "kb.engine.snapshot",
    "Suggestion": "kb.engine.results",
    "Topic": "kb.engine.browse",
    "open_engine": "kb.engine.engine",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
