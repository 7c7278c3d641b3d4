"""A version's articles on disk, in shards that consecutive versions share.

    v-…/articles/order.json   the article ids, in content order
    v-…/articles/NN.json      the articles whose id hashes to shard NN, in content order

An incremental build writes only the shards holding an article that changed, came or went; every
other shard is a hard link to the live version's file (a published version never changes, so the
bytes are the same). A reader (a worker opening a version, the next incremental build) keeps what it
parsed per shard file, by the file's fingerprint (inode, mtime, size): a linked shard is the same
file, so after one article changes a worker parses one shard of SHARDS, not every article. A file
damaged in place has another fingerprint: it is read again, and fails as it should.
"""

from __future__ import annotations

import threading
import zlib
from collections import deque
from pathlib import Path

import orjson

from indexer import layout
from indexer.article import Article

SHARDS = 64
ORDER = "order.json"


def shard_of(article_id: str) -> int:
    """The shard an article lives in, from its id alone (stable across versions and processes)."""
    return zlib.crc32(article_id.encode("utf-8")) % SHARDS


def _shard_path(folder: Path, n: int) -> Path:
    return folder / f"{n:02d}.json"


def _by_shard(articles: dict[str, Article]) -> dict[int, list[Article]]:
    shards: dict[int, list[Article]] = {}
    for article_id, article in articles.items():
        shards.setdefault(shard_of(article_id), []).append(article)
    return shards


def write_articles(
    version: Path,
    articles: dict[str, Article],
    live: Path | None = None,
    previous: dict[str, Article] | None = None,
) -> None:
    """Write `articles` into the version being built.

    `previous` are the live version's articles as read from `live`: a shard holding exactly the
    same Article objects (an incremental build reuses the object of an unchanged file) is linked
    from there instead of written.
    """
    folder = version / layout.ARTICLES_DIR
    folder.mkdir()
    (folder / ORDER).write_bytes(orjson.dumps(list(articles)))
    before = _by_shard(previous) if previous is not None and live is not None else {}
    for n, members in _by_shard(articles).items():
        target = _shard_path(folder, n)
        old = before.get(n)
        if (
            live is not None
            and old is not None
            and _same(old, members)
            and layout.link(_shard_path(live / layout.ARTICLES_DIR, n), target)
        ):
            continue
        target.write_bytes(orjson.dumps([a.to_json() for a in members]))


def _same(old: list[Article], new: list[Article]) -> bool:
    return len(old) == len(new) and all(a is b for a, b in zip(old, new, strict=True))


class ArticleShards:
    """Reads versions' articles, keeping the shards of the last two versions read.

    Two: an incremental build reads the live version and a worker then opens the new one, which
    shares most shards with it. Safe to use from several threads (the content watcher builds while
    the event loop opens versions).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._shards: dict[layout.Stamp, list[Article]] = {}
        self._recent: deque[set[layout.Stamp]] = deque(maxlen=2)

    def read(self, version: Path) -> dict[str, Article]:
        """The version's articles by id, in content order. Raises OSError or ValueError when its
        files are missing or damaged."""
        folder = version / layout.ARTICLES_DIR
        if not folder.is_dir():
            return _read_single_file(version)
        order = orjson.loads((folder / ORDER).read_bytes())
        if not isinstance(order, list):
            raise ValueError(f"{ORDER} is not a list of article ids")
        found: dict[str, Article] = {}
        used: dict[layout.Stamp, list[Article]] = {}
        for n in sorted({shard_of(article_id) for article_id in order}):
            path = _shard_path(folder, n)
            stamp = layout.file_stamp(path)
            with self._lock:
                members = self._shards.get(stamp) if stamp is not None else None
            if members is None:
                members = [Article.from_json(a) for a in orjson.loads(path.read_bytes())]
            if stamp is not None:
                used[stamp] = members
            found.update((a.id, a) for a in members)
        missing = [article_id for article_id in order if article_id not in found]
        if missing:
            raise ValueError(f"article {missing[0]!r} is listed in {ORDER} but in no shard")
        with self._lock:
            self._recent.append(set(used))
            keep = set().union(*self._recent)
            self._shards = {k: v for k, v in {**self._shards, **used}.items() if k in keep}
        return {article_id: found[article_id] for article_id in order}


def _read_single_file(version: Path) -> dict[str, Article]:
    """A version of index schema 4 or lower, whose articles are in one articles.json."""
    data = orjson.loads((version / layout.LEGACY_ARTICLES).read_bytes())
    return {a["id"]: Article.from_json(a) for a in data}


# The builder and the snapshots of one process share this one: the articles of a version this
# process built or opened are parsed once.
shared = ArticleShards()
