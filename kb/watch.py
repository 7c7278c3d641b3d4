"""Rebuilding the index when the content folder changes (`KB_WATCH=true`)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from watchfiles import watch

from kb.config import default_content_dir
from kb.errors import KbError

log = logging.getLogger("kb.watch")


def start_watcher(content_dir: Path, index_dir: Path, stop: threading.Event) -> threading.Thread:
    """A daemon thread that runs an incremental build after each burst of content changes."""
    from indexer import build_index, live_articles

    def loop() -> None:
        # Read ahead of the first edit, as its incremental build would: that edit then goes live
        # as quickly as the next ones.
        live_articles(index_dir)
        # A save is a write or two: a `step` without another ends a burst (a copy of many files
        # goes on writing, and is built once, at most `debounce` after its first change).
        for changes in watch(content_dir, stop_event=stop, debounce=500, step=50):
            try:
                report = build_index(
                    content_dir,
                    index_dir,
                    incremental=True,
                    default_channels=default_content_dir() / "channels.yaml",
                )
            except KbError as exc:
                log.warning("rebuild after content change failed", extra={"reason": str(exc)})
                continue
            log.info(
                "rebuilt after content change",
                extra={"files": len(changes), "changed": report.changed, "version": report.version},
            )

    thread = threading.Thread(target=loop, name="kb-watch", daemon=True)
    thread.start()
    return thread
