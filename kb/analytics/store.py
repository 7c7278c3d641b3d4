"""The analytics database: searches, feedback and events, on SQLite or PostgreSQL (SQLAlchemy Core).

One `Store` per worker process. Writes come from one thread of the worker's writer process
(`kb.analytics.writer`) in batches, one transaction each; reads (the report) from any thread. Times
are stored as naive UTC.

On SQLite a batch of searches or events is one multi-row INSERT, not an executemany: one statement
to prepare and step instead of one per row, and no SQLAlchemy parameter processing per row (the
values are converted as its SQLite types store them; a test reads them back through SQLAlchemy).
This is the analytics writer's largest cost per search, and on a busy server it shares the cores
with the workers.

    searches   one row per search: masked query, endpoint, answers, confidence, fallback, channel
    feedback   "was this helpful?" per search and article; a later vote replaces an earlier one
    events     answer_click / channel_click after a search (the deflection funnel)
"""

from __future__ import annotations

import logging
import operator
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)

from kb.errors import ConfigError, KbError

__all__ = [
    "EventRecord",
    "FeedbackRecord",
    "RecordRejectedError",
    "SearchRecord",
    "Store",
    "StoreError",
    "StoreUnavailableError",
    "normalize_url",
    "utcnow",
]

log = logging.getLogger("kb.analytics")

QUERY_CHARS = 500  # a /deflect ticket can be 5000 characters; the report needs its beginning only
COMMENT_CHARS = 1000
EVENT_TYPES = ("answer_click", "channel_click")

metadata = sa.MetaData()

searches = sa.Table(
    "kb_searches",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True, comment="search_id returned to the caller"),
    sa.Column("at", sa.DateTime(), nullable=False, index=True, comment="UTC"),
    sa.Column("query", sa.Text(), nullable=False, comment="masked, as searched"),
    sa.Column("query_norm", sa.Text(), nullable=False, comment="lower-cased words of query"),
    sa.Column("endpoint", sa.String(32), nullable=False),
    sa.Column("internal", sa.Boolean(), nullable=False, default=False),
    sa.Column("answers", sa.JSON(), nullable=False, comment="article ids, best first"),
    sa.Column("top_article", sa.Text()),
    sa.Column("confidence", sa.Float(), nullable=False),
    sa.Column("fallback", sa.Boolean(), nullable=False),
    sa.Column("channel", sa.Text()),
    sa.Column("latency_ms", sa.Float(), nullable=False),
    sa.Column("results", sa.Integer(), nullable=False, comment="matching articles considered"),
)

feedback = sa.Table(
    "kb_feedback",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("search_id", sa.String(64), nullable=False, index=True),
    sa.Column("article", sa.Text()),
    sa.Column("helpful", sa.Boolean(), nullable=False),
    sa.Column("comment", sa.Text(), comment="masked"),
    sa.Column("at", sa.DateTime(), nullable=False, index=True),
)

events = sa.Table(
    "kb_events",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("search_id", sa.String(64), nullable=False, index=True),
    sa.Column("type", sa.String(20), nullable=False),
    sa.Column("article", sa.Text()),
    sa.Column("channel", sa.Text()),
    sa.Column("at", sa.DateTime(), nullable=False, index=True),
)


class StoreError(KbError):
    """Root of the analytics store's errors (an analytics failure never fails a search).

    StoreError
    ├── StoreUnavailableError   the database cannot be reached or used right now: try again later
    └── RecordRejectedError     the database refused these rows: retrying will not help
    """


class StoreUnavailableError(StoreError):
    """The analytics database cannot be reached or used right now."""


class RecordRejectedError(StoreError):
    """The database refused the rows themselves (a constraint or a value it cannot hold)."""


def utcnow() -> datetime:
    """Now, as the naive UTC datetime the store keeps."""
    return datetime.now(UTC).replace(tzinfo=None)


class SearchRecord(NamedTuple):
    """One search, its fields in the table's column order (top_article, the first answer, is derived).
    A named tuple, not a frozen dataclass: the writer makes one per search, and a frozen dataclass
    sets each field through object.__setattr__."""

    id: str
    at: datetime
    query: str
    query_norm: str
    endpoint: str
    internal: bool
    answers: list[str]
    confidence: float
    fallback: bool
    channel: str | None
    latency_ms: float
    results: int


@dataclass(frozen=True)
class FeedbackRecord:
    search_id: str
    helpful: bool
    at: datetime
    article: str | None = None
    comment: str | None = None


@dataclass(frozen=True)
class EventRecord:
    search_id: str
    type: str
    at: datetime
    article: str | None = None
    channel: str | None = None


Record = SearchRecord | FeedbackRecord | EventRecord


def normalize_url(url: str) -> URL:
    """The SQLAlchemy URL for KB_DATABASE_URL; `postgres://` and `postgresql://` mean psycopg 3.

    Raises ConfigError for anything but an SQLite file or a PostgreSQL server.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"KB_DATABASE_URL is not a database URL: {exc}") from None
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername not in ("sqlite", "sqlite+pysqlite", "postgresql+psycopg"):
        raise ConfigError(
            f"KB_DATABASE_URL: unsupported database {parsed.drivername!r} "
            "(use sqlite:///path/to/file.db or postgresql+psycopg://user:pass@host:port/db)"
        )
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise ConfigError(
            "KB_DATABASE_URL: analytics needs an SQLite file, not an in-memory database"
        )
    return parsed


@dataclass
class Store:
    """The tables on one database; created on first use, each write one transaction."""

    url: URL
    engine: Engine = field(init=False)
    _ready: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        if self.is_sqlite:
            self.engine = sa.create_engine(
                self.url, connect_args={"timeout": 5}, json_serializer=json_text
            )
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            self.engine = sa.create_engine(
                self.url,
                pool_pre_ping=True,
                pool_size=2,
                max_overflow=4,
                pool_timeout=5,
                connect_args={"connect_timeout": 3, "application_name": "kb-analytics"},
                json_serializer=json_text,
            )

    @classmethod
    def open(cls, url: str) -> Store:
        return cls(normalize_url(url))

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def where(self) -> str:
        """The URL without its password, for messages."""
        return self.url.render_as_string(hide_password=True)

    def ensure_schema(self) -> None:
        """Create the tables (and an SQLite file's folder) when missing; raises StoreUnavailableError."""
        if self._ready:
            return
        try:
            if self.is_sqlite and self.url.database:
                Path(self.url.database).parent.mkdir(parents=True, exist_ok=True)
            metadata.create_all(self.engine)
        except (OSError, SQLAlchemyError) as exc:
            raise StoreUnavailableError(f"analytics store {self.where}: {_reason(exc)}") from exc
        self._ready = True

    def write(self, records: Sequence[Record]) -> None:
        """Write records in one transaction; raises StoreUnavailableError (nothing written)."""
        self.ensure_schema()
        found = [r for r in records if isinstance(r, SearchRecord)]
        event_rows = [_row(r) for r in records if isinstance(r, EventRecord)]
        votes = [r for r in records if isinstance(r, FeedbackRecord)]
        try:
            with self.engine.begin() as conn:
                if found and self.is_sqlite:
                    _sqlite_insert_values(conn, searches, [_sqlite_search(r) for r in found])
                elif found:
                    conn.execute(searches.insert(), [_search_row(r) for r in found])
                if event_rows and self.is_sqlite:
                    _sqlite_insert(conn, events, event_rows)
                elif event_rows:
                    conn.execute(events.insert(), event_rows)
                for vote in votes:
                    same = feedback.c.search_id == vote.search_id
                    if vote.article is None:
                        same &= feedback.c.article.is_(None)
                    else:
                        same &= feedback.c.article == vote.article
                    conn.execute(feedback.delete().where(same))
                    conn.execute(feedback.insert(), [_row(vote)])
        except SQLAlchemyError as exc:
            raise self._error(exc) from exc

    def purge(self, older_than: datetime) -> dict[str, int]:
        """Delete every row from before `older_than`; the rows deleted per table."""
        self.ensure_schema()
        deleted: dict[str, int] = {}
        try:
            with self.engine.begin() as conn:
                for table in (searches, feedback, events):
                    result = conn.execute(table.delete().where(table.c.at < older_than))
                    deleted[table.name] = result.rowcount
        except SQLAlchemyError as exc:
            raise self._error(exc) from exc
        return deleted

    def purge_retention(self, retention_days: int, now: datetime | None = None) -> dict[str, int]:
        return self.purge((now or utcnow()) - timedelta(days=retention_days))

    def read(self, statement: sa.Executable) -> list[tuple[Any, ...]]:
        """Run one read; raises StoreUnavailableError."""
        self.ensure_schema()
        try:
            with self.engine.connect() as conn:
                return [tuple(row) for row in conn.execute(statement)]
        except SQLAlchemyError as exc:
            raise self._error(exc) from exc

    def counts(self) -> dict[str, int]:
        """Rows per table (for tests and `kb report`)."""
        out: dict[str, int] = {}
        for table in (searches, feedback, events):
            out[table.name] = int(self.read(sa.select(sa.func.count()).select_from(table))[0][0])
        return out

    def day(self, column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
        """The calendar day (UTC) of a stored time, in this database's SQL."""
        if self.is_sqlite:
            return sa.func.date(column)
        return sa.cast(column, sa.Date)

    def close(self) -> None:
        self.engine.dispose()

    def _error(self, exc: SQLAlchemyError) -> StoreError:
        message = f"analytics store {self.where}: {_reason(exc)}"
        gone = isinstance(exc, OperationalError | InterfaceError) or (
            isinstance(exc, DBAPIError) and exc.connection_invalidated
        )
        if gone or not isinstance(exc, DBAPIError):  # not a DBAPIError: the pool timed out, say
            self._ready = False  # a database that went away may come back empty: re-create
            return StoreUnavailableError(message)
        return RecordRejectedError(message)


def _sqlite_pragmas(dbapi_conn: Any, _: Any) -> None:
    # WAL: readers (the report) never block the writer; several workers may share one file.
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


SQLITE_ROWS = 500  # rows per INSERT statement (at most; fewer if SQLite allows fewer variables)


def json_text(value: Any) -> str:
    """A JSON column's value as stored: orjson's compact text (the writer encodes a list of article
    ids per search, and the json module is a noticeable share of its time at that)."""
    return orjson.dumps(value).decode()


def _sqlite_value(column: sa.Column[Any]) -> Callable[[Any], Any] | None:
    """How SQLAlchemy's SQLite dialect stores a value of this column's type (None: as it is)."""
    kind = column.type
    if isinstance(kind, sa.DateTime):  # its DATETIME storage format, microseconds always written
        return lambda v: None if v is None else v.isoformat(" ", "microseconds")
    if isinstance(kind, sa.Boolean):
        return lambda v: None if v is None else int(v)
    if isinstance(kind, sa.JSON):  # the engine's JSON serializer
        return json_text
    return None


def _sqlite_insert(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """`rows` into `table` in as few multi-row INSERT statements as SQLite's variable limit allows."""
    names = [c.name for c in table.columns if c.name in rows[0]]
    converts = [
        (i, f) for i, name in enumerate(names) if (f := _sqlite_value(table.c[name])) is not None
    ]
    values_of = operator.itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
    stored = []
    for row in rows:
        row_values = list(values_of(row))
        for i, convert in converts:
            row_values[i] = convert(row_values[i])
        stored.append(row_values)
    _sqlite_insert_values(conn, table, stored, names)


def _sqlite_insert_values(
    conn: sa.Connection,
    table: sa.Table,
    rows: Sequence[Sequence[Any]],
    names: list[str] | None = None,
) -> None:
    """Rows of values as SQLite stores them, for the columns `names` (all, in order, by default),
    in as few multi-row INSERT statements as SQLite's variable limit allows."""
    names = names or [c.name for c in table.columns]
    limit = conn.connection.dbapi_connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)  # type: ignore[union-attr]
    per_statement = max(1, min(SQLITE_ROWS, limit // len(names)))
    head = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES "
    one = "(" + ", ".join(["?"] * len(names)) + ")"
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        values: list[Any] = []
        for row in chunk:
            values += row
        conn.exec_driver_sql(head + ", ".join([one] * len(chunk)), tuple(values))


def _sqlite_search(r: SearchRecord) -> tuple[Any, ...]:
    """A search's values as SQLAlchemy's SQLite types store them, in the table's column order
    (written straight, not through _sqlite_insert's per-column conversions: a busy server writes
    one per search). test_store reads them back through SQLAlchemy."""
    return (
        r.id,
        r.at.isoformat(" ", "microseconds"),
        r.query,
        r.query_norm,
        r.endpoint,
        int(r.internal),
        json_text(r.answers),
        r.answers[0] if r.answers else None,
        r.confidence,
        int(r.fallback),
        r.channel,
        r.latency_ms,
        r.results,
    )


def _row(record: FeedbackRecord | EventRecord) -> dict[str, Any]:
    return dict(record.__dict__)


def _search_row(r: SearchRecord) -> dict[str, Any]:
    row = r._asdict()
    row["top_article"] = r.answers[0] if r.answers else None
    return row


def _reason(exc: BaseException) -> str:
    """The first line of a database error, without SQLAlchemy's background link."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
