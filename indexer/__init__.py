"""kb's build side: a folder of Markdown articles in, a published Whoosh index version out."""

from __future__ import annotations

from typing import TYPE_CHECKING

import lazy_loader

if TYPE_CHECKING:
    from indexer.build import BuildReport as BuildReport
    from indexer.build import build_index as build_index
    from indexer.build import live_articles as live_articles
    from indexer.loader import find_sources as find_sources
    from indexer.loader import parse_article as parse_article

# The serving side imports the modules both sides share (indexer.schema, .layout, .vectors …), and
# with them this package: the build's machinery (Markdown parsing, segment writing, worker pools)
# is imported when one of these names is first used, so a serving process never loads it.
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "build": ["BuildReport", "build_index", "live_articles"],
        "loader": ["find_sources", "parse_article"],
    },
)
