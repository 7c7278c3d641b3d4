"""Each index version's section vectors, keyed by what was embedded, so unchanged text is never
embedded again.

    VERSION/semantic.npy    float32, one unit vector a row (indexer.encoder)
    VERSION/semantic.json   {"model": MODEL_ID, "rows": [[article id, anchor, key], …]}

An article has one row for its card (title, summary and `questions:`; anchor "") and one for each
section worth a chunk (indexer.segment.chunk_sections). A row's key is a hash of the model id and
the exact text embedded; a build takes every vector whose key the live version already holds and
embeds only the rest, whether it is a full build or an incremental one (in worker processes when
there are many: indexer.parallel.embed_texts).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import orjson

from indexer.article import Article
from indexer.encoder import DIMENSIONS, MODEL_ID, Vectors, available
from indexer.segment import chunk_sections

VECTORS = "semantic.npy"
ROWS = "semantic.json"
CARD = ""  # the anchor of an article's card row

Row = tuple[str, str, str]  # article id, anchor, key


def texts(article: Article) -> list[tuple[str, str]]:
    """(anchor, text to embed) of an article's rows: its card, then its sections."""
    card = " ".join([article.title, article.summary, *article.questions]).strip()
    rows = [(CARD, card)]
    for section in chunk_sections(article):
        rows.append((section.anchor, f"{section.heading_path}\n{section.text}"))
    return rows


def key(text: str) -> str:
    return hashlib.blake2b(f"{MODEL_ID}\0{text}".encode(), digest_size=16).hexdigest()


def read(version: Path) -> tuple[list[Row], Vectors] | None:
    """A version's rows and vectors, or None when it has none (or not of this model)."""
    try:
        meta = orjson.loads((version / ROWS).read_bytes())
        if meta.get("model") != MODEL_ID:
            return None
        vectors = np.load(version / VECTORS, allow_pickle=False)
    except (OSError, ValueError):
        return None
    rows = [(str(a), str(s), str(k)) for a, s, k in meta["rows"]]
    if vectors.shape != (len(rows), DIMENSIONS):
        return None
    return rows, vectors.astype(np.float32, copy=False)


def kept(live: Path | None) -> bool:
    """Whether a build that was not told should store vectors: when the live version has them
    (and the encoder is installed), so that no path of rebuilding drops them."""
    return live is not None and (live / ROWS).exists() and available()


def write(
    build_dir: Path,
    articles: Iterable[Article],
    live: Path | None,
    embed: Callable[[Sequence[str]], Vectors],
) -> int:
    """Write the vectors of `articles` into `build_dir`, reusing the live version's; the number of
    texts embedded afresh. `embed` gives the vectors of the texts no vector is known for, in their
    order (each distinct text once); it is called only when there is something to embed."""
    known: dict[str, npt.NDArray[np.float32]] = {}
    previous = read(live) if live is not None else None
    if previous is not None:
        for (_, _, k), vector in zip(previous[0], previous[1], strict=True):
            known[k] = vector
    rows: list[Row] = []
    fresh: dict[str, str] = {}
    for article in articles:
        for anchor, text in texts(article):
            k = key(text)
            rows.append((article.id, anchor, k))
            if k not in known:
                fresh[k] = text
    if fresh:
        embedded = embed(list(fresh.values()))
        known.update(zip(fresh, embedded, strict=True))
    matrix = np.zeros((len(rows), DIMENSIONS), dtype=np.float32)
    for i, (_, _, k) in enumerate(rows):
        matrix[i] = known[k]
    with (build_dir / VECTORS).open("wb") as f:
        np.save(f, matrix, allow_pickle=False)
    (build_dir / ROWS).write_bytes(orjson.dumps({"model": MODEL_ID, "rows": rows}))
    return len(fresh)
