"""The one exception hierarchy of kb (shared by the indexer and the service).

    KbError                      root: anything kb raises on purpose
    ├── ConfigError              settings that cannot work (unsafe key outside development, bad path)
    ├── ContentError             a content folder that cannot be used at all
    │   └── ArticleError         one article is malformed (path and reason); skipped unless --strict
    ├── IndexError_              the index
    │   ├── IndexMissingError    no built index where one is expected
    │   ├── IndexCorruptError    an index version that cannot be opened or read
    │   └── BuildError           a build that failed; the previous index is kept
    ├── StoreError               the analytics store (kb.analytics.store)
    │   ├── StoreUnavailableError  the database cannot be reached (searches go on; rows are buffered)
    │   └── RecordRejectedError    the database refused one row (it is skipped)
    └── QueryError               a caller's bad input (the API answers 4xx, the CLI one line)
        ├── EmptyQueryError
        ├── QueryTooLongError
        ├── BadParameterError
        └── NotFoundError        an unknown article id

HTTP status codes are chosen in exactly one place, `kb.api`; the CLI turns these into one line and a
non-zero exit.
"""

from __future__ import annotations

from pathlib import Path


class KbError(Exception):
    """Root of every error kb raises on purpose."""


class ConfigError(KbError):
    """Settings that cannot work."""


class ContentError(KbError):
    """A content folder that cannot be used at all."""


class ArticleError(ContentError):
    """One malformed article: carries its path and the reason."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class IndexError_(KbError):  # noqa: N801 - trailing underscore: do not shadow the builtin IndexError
    """Anything wrong with the index."""


class IndexMissingError(IndexError_):
    """No built index where one is expected."""


class IndexCorruptError(IndexError_):
    """An index version that cannot be opened or read."""


class BuildError(IndexError_):
    """A build that failed; the previous index is kept and served."""


class QueryError(KbError):
    """A caller's bad input."""


class EmptyQueryError(QueryError):
    """An empty or blank query."""


class QueryTooLongError(QueryError):
    """A query over the configured length limit."""


class BadParameterError(QueryError):
    """A parameter out of range or of the wrong kind."""


class NotFoundError(QueryError):
    """An unknown article id."""
