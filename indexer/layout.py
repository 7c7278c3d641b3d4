"""The on-disk layout of an index folder, shared by the builder (writes) and the service (reads).

    INDEX_DIR/
      CURRENT              the name of the live version, replaced atomically (os.replace)
      v-<time>-<id>/       one complete, self-contained version: Whoosh segments, articles/ (in
                           shards, see indexer.article_store), channels.yaml, synonyms.yaml, vocab.json,
                           manifest.json
      .build-<id>/         a version under construction; never read, removed when stale
      .lock                serializes builders (flock)

A version is written beside the live one and becomes live only when `CURRENT` names it, so a
reader sees either the old complete version or the new complete one, never a half-built one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from indexer.errors import BuildError

POINTER = "CURRENT"
MANIFEST = "manifest.json"
ARTICLES_DIR = "articles"
LEGACY_ARTICLES = "articles.json"  # index schema 4 and lower: every article in one file
VOCAB = "vocab.json"
CHANNELS = "channels.yaml"
SYNONYMS = "synonyms.yaml"
WHOOSH_DIR = "whoosh"
CONFIDENCE = "confidence.json"  # the service's confidence model fitted on this version's content

Stamp = tuple[int, int, int]  # a file's (inode, mtime in ns, size)


def current_version(index_dir: Path) -> Path | None:
    """The live version's folder, or None when nothing has been published."""
    try:
        name = (index_dir / POINTER).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    if not name or "/" in name or name.startswith("."):
        return None
    return index_dir / name


def file_stamp(path: Path) -> Stamp | None:
    """A cheap fingerprint of a file (inode, mtime, size): it changes when the file is replaced or
    written to; None when it cannot be read."""
    try:
        st = Path(path).stat()
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def pointer_stamp(index_dir: Path) -> Stamp | None:
    """The pointer's fingerprint: it changes whenever a version is published."""
    return file_stamp(index_dir / POINTER)


def link(source: Path | str, target: Path | str) -> bool:
    """Make `target` a hard link to `source`, a file of a published version (never changed once
    published, so a later version may share it); False where the file system cannot (another
    device, no hard links): the caller writes the file instead."""
    try:
        os.link(source, target)
    except OSError:
        return False
    return True


def new_build_dir(index_dir: Path) -> Path:
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / f".build-{uuid.uuid4().hex[:12]}"
    path.mkdir()
    return path


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(path: Path) -> None:
    for p in path.rglob("*"):
        if p.is_file():
            with p.open("rb") as fh:
                os.fsync(fh.fileno())
        elif p.is_dir():
            _fsync_dir(p)
    _fsync_dir(path)


def publish(index_dir: Path, build_dir: Path) -> Path:
    """Make a finished build the live version: rename it in place, then swap the pointer."""
    # Names sort by publication time (nanoseconds), so "newest" never depends on the clock's second.
    final = index_dir / f"v-{time.time_ns():020d}-{uuid.uuid4().hex[:6]}"
    try:
        _fsync_tree(build_dir)
        build_dir.rename(final)
        tmp = index_dir / f".{POINTER}.{uuid.uuid4().hex[:8]}"
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write(final.name + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(index_dir / POINTER)
        _fsync_dir(index_dir)
    except OSError as exc:
        raise BuildError(f"could not publish the new index version: {exc}") from exc
    return final


def cleanup(index_dir: Path, keep: int = 2, grace_s: float = 120.0) -> list[Path]:
    """Remove old versions and abandoned builds. Call it while holding `build_lock`.

    Keeps the live version and the `keep - 1` newest others; anything younger than `grace_s` stays
    too, so a worker or replica that has just read the old pointer can still open what it names.
    """
    live = current_version(index_dir)
    now = time.time()
    versions = sorted((p for p in index_dir.glob("v-*") if p.is_dir()), reverse=True)
    others = [p for p in versions if p != live]
    doomed = others[max(keep - 1, 0) :] + sorted(index_dir.glob(".build-*"))
    removed: list[Path] = []
    for path in doomed:
        with contextlib.suppress(FileNotFoundError):
            if now - path.stat().st_mtime < grace_s:
                continue
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    for path in index_dir.glob(f".{POINTER}.*"):
        with contextlib.suppress(OSError):
            path.unlink()
    return removed


@contextlib.contextmanager
def build_lock(index_dir: Path, wait_s: float = 600.0) -> Iterator[None]:
    """One builder at a time per index folder (across processes and replicas sharing a volume)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(index_dir / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise BuildError("another build holds the index lock") from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)
