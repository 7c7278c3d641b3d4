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
    ├── NotEnoughLabelsError     too few agreed questions in the analytics to calibrate on
    │                            (kb.analytics.labels)
    └── QueryError               a caller's bad input (the API answers 4xx, the CLI one line)
        ├── EmptyQueryError
        ├── QueryTooLongError
        ├── BadParameterError
        └── NotFoundError        an unknown article id

The errors of content and index files are defined in `indexer.errors` (the indexer depends on
nothing of the service) and re-exported here. HTTP status codes are chosen in exactly one place,
`kb.web.problems`; the CLI turns these into one line and a non-zero exit.
"""

from __future__ import annotations

from indexer.errors import (
    ArticleError,
    BuildError,
    ContentError,
    IndexCorruptError,
    IndexError_,
    IndexMissingError,
    KbError,
)

__all__ = [
    "ArticleError",
    "BadParameterError",
    "BuildError",
    "ConfigError",
    "ContentError",
    "EmptyQueryError",
    "IndexCorruptError",
    "IndexError_",
    "IndexMissingError",
    "KbError",
    "NotFoundError",
    "QueryError",
    "QueryTooLongError",
]


class ConfigError(KbError):
    """Settings that cannot work."""


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
