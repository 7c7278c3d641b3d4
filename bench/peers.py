"""Peers on the same chunks and queries: SQLite FTS5 and tantivy.

All engines index exactly the section chunks of kb's build (read back from its article shards), with
kb's field weights (title 3, headings 2.5, questions 2, summary 1.5, body 1), and answer the same
queries: the query's words minus kb's stop words, OR'ed over all fields, top 60 chunks, grouped by
article in rank order. Peers get no typo correction, synonyms, snippets or confidence: they are the
floor a plain BM25 engine sets, not a like-for-like feature match.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import tantivy

from bench.measure import Latency, tree_bytes
from bench.search import WARMUP
from indexer.article_store import ArticleShards
from indexer.schema import FIELD_BOOSTS, STOPWORDS, TEXT_FIELDS, words

CANDIDATES = 60  # chunks looked at before grouping, as kb does
LIMIT = 10


@dataclass
class Chunk:
    """One indexed section, as kb indexes it."""

    article: str
    audience: str
    fields: dict[str, str]


def chunks_of(version: Path) -> list[Chunk]:
    """The section chunks of a published kb index version (the ones kb itself indexed)."""
    out: list[Chunk] = []
    for a in ArticleShards().read(version).values():
        questions = "\n".join(a.questions)
        for s in [s for s in a.sections if s.text.strip()] or a.sections[:1]:
            fields = {
                "title": a.title,
                "headings": " / ".join(s.path[1:]),
                "questions": questions,
                "summary": a.summary,
                "body": s.text,
            }
            out.append(Chunk(a.id, a.audience, fields))
    return out


def terms(q: str) -> list[str]:
    """The words a peer searches: kb's word split, apostrophes split too, stop words dropped."""
    seen: dict[str, None] = {}
    for w in words(q.replace("'", " ").replace("’", " ")):
        if w not in STOPWORDS and len(w) >= 2:
            seen.setdefault(w, None)
    return list(seen)


def grouped(article_ids: list[str], k: int) -> list[str]:
    """Article ids in first-seen order, at most k."""
    return list(dict.fromkeys(article_ids))[:k]


class Engine(Protocol):
    name: str

    def top_articles(self, q: str, k: int) -> list[str]: ...

    def close(self) -> None: ...


class Fts5:
    """SQLite FTS5, porter stemmer over unicode61, bm25 with kb's field weights."""

    name = "sqlite-fts5"

    def __init__(self, path: Path, chunks: list[Chunk]) -> None:
        started = time.perf_counter()
        path.unlink(missing_ok=True)
        db = sqlite3.connect(path)
        cols = ", ".join(TEXT_FIELDS)
        db.execute(
            f"CREATE VIRTUAL TABLE chunk USING fts5({cols}, article UNINDEXED, audience UNINDEXED, "
            "tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        weights = ", ".join(str(FIELD_BOOSTS[f]) for f in TEXT_FIELDS)
        db.execute("INSERT INTO chunk(chunk, rank) VALUES('rank', ?)", (f"bm25({weights})",))
        db.executemany(
            f"INSERT INTO chunk({cols}, article, audience) VALUES ({', '.join('?' * (len(TEXT_FIELDS) + 2))})",
            ([*(c.fields[f] for f in TEXT_FIELDS), c.article, c.audience] for c in chunks),
        )
        db.execute("INSERT INTO chunk(chunk) VALUES('optimize')")
        db.commit()
        self.build_s = time.perf_counter() - started
        self.index_bytes = path.stat().st_size
        self.db = db

    def top_articles(self, q: str, k: int) -> list[str]:
        ts = terms(q)
        if not ts:
            return []
        match = " OR ".join('"' + t.replace('"', '""') + '"' for t in ts)
        rows = self.db.execute(
            "SELECT article FROM chunk WHERE chunk MATCH ? AND audience != 'internal' "
            "ORDER BY rank LIMIT ?",
            (match, CANDIDATES),
        ).fetchall()
        return grouped([r[0] for r in rows], k)

    def close(self) -> None:
        self.db.close()


class Tantivy:
    """tantivy with its English stemmer (`en_stem`), BM25 with kb's field weights as query boosts."""

    name = "tantivy"

    def __init__(self, folder: Path, chunks: list[Chunk]) -> None:
        started = time.perf_counter()
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        sb = tantivy.SchemaBuilder()
        for f in TEXT_FIELDS:
            sb.add_text_field(f, tokenizer_name="en_stem")
        sb.add_text_field("article", stored=True, tokenizer_name="raw")
        sb.add_text_field("audience", tokenizer_name="raw")
        self.schema = sb.build()
        self.index = tantivy.Index(self.schema, path=str(folder))
        writer = self.index.writer()
        for c in chunks:
            writer.add_document(
                tantivy.Document(**c.fields, article=c.article, audience=c.audience)
            )
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()
        self.build_s = time.perf_counter() - started
        self.index_bytes = tree_bytes(folder)
        self.internal = tantivy.Query.term_query(self.schema, "audience", "internal")

    def top_articles(self, q: str, k: int) -> list[str]:
        ts = terms(q)
        if not ts:
            return []
        parsed = self.index.parse_query(
            " ".join(ts), default_field_names=list(TEXT_FIELDS), field_boosts=dict(FIELD_BOOSTS)
        )
        query = tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, parsed), (tantivy.Occur.MustNot, self.internal)]
        )
        hits = self.searcher.search(query, CANDIDATES, count=False).hits
        return grouped([self.searcher.doc(addr)["article"][0] for _, addr in hits], k)

    def close(self) -> None:
        pass


def build_peers(version: Path, work: Path) -> tuple[list[Engine], list[dict[str, Any]]]:
    """FTS5 and tantivy built from the chunks of a kb index version; their build rows."""
    chunks = chunks_of(version)
    work.mkdir(parents=True, exist_ok=True)
    fts = Fts5(work / "fts5.sqlite", chunks)
    tan = Tantivy(work / "tantivy", chunks)
    rows = [
        {
            "engine": e.name,
            "chunks": len(chunks),
            "build_s": e.build_s,
            "index_bytes": e.index_bytes,
        }
        for e in (fts, tan)
    ]
    return [fts, tan], rows


def latency(engine: Engine, queries: list[str]) -> dict[str, Any]:
    for q in queries[:WARMUP]:
        engine.top_articles(q, LIMIT)
    lat = Latency()
    for q in queries:
        lat.time(lambda q=q: engine.top_articles(q, LIMIT))  # type: ignore[misc]
    return {"engine": engine.name, "mode": "cold", **lat.summary()}
