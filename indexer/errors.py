"""The errors of reading content and of the index's files: the lower half of kb's one hierarchy.

kb.errors draws the whole tree and re-exports these, so a caller catches everything from there; they
are defined here so that the indexer depends on nothing of the service.
"""

from __future__ import annotations

from pathlib import Path


class KbError(Exception):
    """Root of every error kb raises on purpose."""


class ContentError(KbError):
    """A content folder that cannot be used at all."""


class ArticleError(ContentError):
    """One malformed article: carries its path and the reason."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class IndexError_(KbError):
    """Anything wrong with the index."""


class IndexMissingError(IndexError_):
    """No built index where one is expected."""


class IndexCorruptError(IndexError_):
    """An index version that cannot be opened or read."""


class BuildError(IndexError_):
    """A build that failed; the previous index is kept and served."""
