"""A folder of sentence vectors that the builds of one machine share (`KB_VECTOR_CACHE`).

An index version keeps the vectors of its own sections (indexer.vectors), so a rebuild over it
embeds only changed text. A build with nothing live to build on (a new index folder, a new replica,
a CI job) would embed everything again; with a cache folder it reads the vectors any earlier build
on the machine stored there, and stores the ones it computes: section texts and the practice
questions of a confidence fit alike.

    FOLDER/vectors.sqlite3   vectors: key (indexer.vectors.key: model id and text) -> float32 vector
                             used:    key -> the last day (UTC, days since 1970) a build used it

Every build with the cache records the whole version it publishes there (the vectors it kept from
the live version too), so the cache holds what a new replica of any index on the machine needs.
Vectors no build has used for KEEP_DAYS are then removed (texts since edited away, vectors of
another model); the pages they free in the file are reused by the vectors stored next.

The file is shared by concurrent builds (SQLite's own locking). A vector depends on its text alone
(indexer.encoder), so a stored one is the one the model would compute. The cache never fails a
build: a folder that cannot be used is logged and the texts are embedded as without it.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexer import vectors
from indexer.encoder import DIMENSIONS, Vectors
from indexer.vectors import key

log = logging.getLogger(__name__)

FILENAME = "vectors.sqlite3"
KEEP_DAYS = 30  # a vector no build has used for this long is removed
_LOOKUP = 500  # keys a query (below SQLite's limit on bound parameters)
_SIZE = DIMENSIONS * 4
_WAIT_S = 60.0  # how long a build waits for another's lock on the file

Embed = Callable[[Sequence[str]], Vectors]


@dataclass
class Reads:
    """How many of the texts asked for were read from the cache rather than embedded."""

    texts: int = 0


def through(folder: Path | None, embed: Embed, reads: Reads | None = None) -> Embed:
    """`embed` with the vectors `folder` holds read instead of computed (counted in `reads`), and
    the rest stored there; `embed` itself when no folder is set."""
    if folder is None:
        return embed

    def cached(texts: Sequence[str]) -> Vectors:
        return embed_cached(folder, texts, embed, reads)

    return cached


def embed_cached(
    folder: Path, texts: Sequence[str], embed: Embed, reads: Reads | None = None
) -> Vectors:
    """The vectors of `texts`, in their order: stored ones read, the others embedded (each distinct
    text once) and stored, over any damaged row of theirs."""
    out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    if not texts:
        return out
    keys = [key(t) for t in texts]
    try:
        db = _open(folder)
    except (OSError, sqlite3.Error) as exc:
        log.warning("vector cache %s cannot be used (%s); embedding without it", folder, exc)
        return embed(texts)
    try:
        stored = _read(db, keys)
        missing = list(dict.fromkeys(k for k in keys if k not in stored))
        if reads is not None:
            reads.texts += sum(k in stored for k in keys)
        fresh_rows: list[tuple[str, Vectors]] = []
        if missing:
            text_of = dict(zip(keys, texts, strict=True))
            fresh = embed([text_of[k] for k in missing])
            stored.update(zip(missing, fresh, strict=True))
            fresh_rows = list(zip(missing, fresh, strict=True))
        try:
            with db:
                db.executemany(
                    "INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)",
                    [(k, v.astype("<f4").tobytes()) for k, v in fresh_rows],
                )
                _touch(db, dict.fromkeys(keys))
        except sqlite3.Error as exc:
            log.warning("vector cache %s cannot store vectors (%s)", folder, exc)
    except sqlite3.Error as exc:
        log.warning("vector cache %s cannot be read (%s); embedding without it", folder, exc)
        return embed(texts)
    finally:
        db.close()
    for i, k in enumerate(keys):
        out[i] = stored[k]
    return out


def record(folder: Path | None, version: Path) -> int:
    """Store the vectors of a version about to be published that `folder` lacks, mark all of its
    texts used today, and remove the vectors no build has used for KEEP_DAYS. The number removed
    (0 without a folder, or when the cache cannot be used: that is logged, never raised)."""
    if folder is None:
        return 0
    found = vectors.read(version)
    if found is None:
        return 0
    rows, matrix = found
    at = {k: i for i, (_, _, k) in enumerate(rows)}
    keys = list(at)
    try:
        db = _open(folder)
    except (OSError, sqlite3.Error) as exc:
        log.warning("vector cache %s cannot be used (%s)", folder, exc)
        return 0
    try:
        with db:
            db.executemany(
                "INSERT OR IGNORE INTO vectors (key, vector) VALUES (?, ?)",
                ((k, matrix[at[k]].astype("<f4").tobytes()) for k in keys),
            )
            _touch(db, keys)
            oldest = _today() - KEEP_DAYS
            removed = db.execute(
                "DELETE FROM vectors WHERE key IN (SELECT key FROM used WHERE day < ?)", (oldest,)
            ).rowcount
            db.execute("DELETE FROM used WHERE day < ?", (oldest,))
        return max(removed, 0)
    except sqlite3.Error as exc:
        log.warning("vector cache %s cannot record the version (%s)", folder, exc)
        return 0
    finally:
        db.close()


def _today() -> int:
    return int(time.time() // 86400)


def _touch(db: sqlite3.Connection, keys: Iterable[str]) -> None:
    """Mark `keys` used today (rows already marked today are not written again)."""
    today = _today()
    db.executemany(
        "INSERT INTO used (key, day) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET day = excluded.day WHERE day < excluded.day",
        ((k, today) for k in keys),
    )


def _wal(db: sqlite3.Connection) -> None:
    """Put the file in WAL mode: readers never wait for a concurrent build's write. Setting the
    mode needs the file to itself, and SQLite reports it locked at once, without the busy timeout,
    while another connection sets it up (2 of 480 opens by 8 threads of fresh folders): retried."""
    deadline = time.monotonic() + _WAIT_S
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.01)


def _open(folder: Path) -> sqlite3.Connection:
    folder.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(folder / FILENAME, timeout=_WAIT_S)
    try:
        _wal(db)
        db.execute("BEGIN IMMEDIATE")  # one process creates the tables, the others wait for it
        try:
            # A rowid table: a vector's 1.5 KB fits in its row's page, where a table WITHOUT ROWID
            # (as files of earlier kb versions have) spills each row onto a page of its own.
            db.execute(
                "CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)"
            )
            new = not db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'used'"
            ).fetchone()
            if new:
                db.execute(
                    "CREATE TABLE used (key TEXT PRIMARY KEY, day INTEGER NOT NULL) WITHOUT ROWID"
                )
                # A cache from before the table: its vectors count as used the day it is met.
                db.execute("INSERT INTO used SELECT key, ? FROM vectors", (_today(),))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    except sqlite3.Error:
        db.close()
        raise
    return db


def _read(db: sqlite3.Connection, keys: Sequence[str]) -> dict[str, Vectors]:
    """The stored vectors of `keys` (a row of the wrong size is left out, as if absent)."""
    found: dict[str, Vectors] = {}
    distinct = list(dict.fromkeys(keys))
    for start in range(0, len(distinct), _LOOKUP):
        part = distinct[start : start + _LOOKUP]
        marks = ",".join("?" * len(part))
        for k, blob in db.execute(f"SELECT key, vector FROM vectors WHERE key IN ({marks})", part):
            if isinstance(blob, bytes) and len(blob) == _SIZE:
                found[k] = np.frombuffer(blob, dtype="<f4").astype(np.float32)
    return found
