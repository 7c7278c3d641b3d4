"""kb's build side: a folder of Markdown articles in, a published Whoosh index version out."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from indexer.build import BuildReport, build_index, live_articles
    from indexer.loader import find_sources, parse_article

__all__ = ["BuildReport", "build_index", "find_sources", "live_articles", "parse_article"]

# The serving side imports the modules both sides share (indexer.schema, .layout, .vectors …), and
# with them this package: the build's machinery (Markdown parsing, segment writing, worker pools)
# is imported when one of these names is first used, so a serving process never loads it.
_HOMES = {
    "BuildReport": "indexer.build",
    "build_index": "indexer.build",
    "live_articles": "indexer.build",
    "find_sources": "indexer.loader",
    "parse_article": "indexer.loader",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
