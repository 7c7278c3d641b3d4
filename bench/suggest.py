"""Suggest as you type: kb's /suggest lookup per keystroke, against SQLite FTS5 prefix queries.

Every prefix of the log's queries, one keystroke at a time ("r", "re", "ref", …), as a search box
calls /suggest. The peer is an FTS5 table of the same completions (titles and `questions`) asked the
same prefix: earlier words as terms, the last as a prefix term (`how do tr*`), top 8 by rank.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from bench.measure import Latency
from indexer import layout
from indexer.schema import words
from kb.engine.snapshot import Snapshot
from kb.engine.suggest import Suggester

LIMIT = 8


def keystrokes(queries: list[str], n: int) -> list[str]:
    """Each prefix of the first queries, as typed one character at a time (blank ones skipped)."""
    out: list[str] = []
    for q in queries:
        out.extend(q[:i] for i in range(1, len(q) + 1) if q[:i].strip())
        if len(out) >= n:
            break
    return out[:n]


def _fts(entries: list[Any]) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE s USING fts5(text, tokenize='unicode61')")
    db.executemany("INSERT INTO s(text) VALUES (?)", [(e.text,) for e in entries])
    return db


def _fts_query(prefix: str) -> str | None:
    ws = words(prefix)
    if not ws:
        return None
    *head, last = ws
    return " ".join([*(f'"{w}"' for w in head), f'"{last}" *'])


def run(corpus: str, index: Path, queries: list[str], n: int) -> list[dict[str, Any]]:
    version = layout.current_version(index)
    assert version is not None
    snap = Snapshot.open(version)
    suggester = Suggester(snap.articles)
    typed = keystrokes(queries, n)
    kb = Latency()
    for p in typed:
        kb.time(lambda p=p: suggester.suggest(p, LIMIT))  # type: ignore[misc]
    db = _fts(suggester.entries)
    peer = Latency()
    sql = "SELECT text FROM s WHERE s MATCH ? ORDER BY rank LIMIT ?"
    for p in typed:
        match = _fts_query(p)
        if match is not None:
            peer.time(lambda m=match: db.execute(sql, (m, LIMIT)).fetchall())  # type: ignore[misc]
    db.close()
    common = {"corpus": corpus, "completions": len(suggester.entries)}
    return [
        {**common, "engine": "kb", **kb.summary()},
        {**common, "engine": "sqlite-fts5", **peer.summary()},
    ]
