"""kb's build side: a folder of Markdown articles in, a published Whoosh index version out."""

from indexer.build import BuildReport, build_index, live_articles
from indexer.loader import find_sources, parse_article

__all__ = ["BuildReport", "build_index", "find_sources", "live_articles", "parse_article"]
