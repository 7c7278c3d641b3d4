"""Rebuilding the index when the content folder changes (`KB_WATCH=true`)."""

from __future__ import annotations

import logging
import threading

from watchfiles import watch

from kb.config import Settings
from kb.errors import KbError

log = logging.getLogger("kb.watch")


def start_watcher(settings: Settings, stop: threading.Event) -> threading.Thread:
    """A daemon thread that runs an incremental build of `settings` after each burst of content
    changes, as `kb index` would (Settings.build_index)."""
    from indexer import live_articles

    content_dir, index_dir = settings.content_dir, settings.index_dir

    def loop() -> None:
        # Read ahead of the first edit, as its incremental build would: that edit then goes live
        # as quickly as the next ones.
        live_articles(index_dir)
        # A save is a write or two: a `step` without another ends a burst (a copy of many files
        # goes on writing, and is built once, at most `debounce` after its first change).
        for changes in watch(content_dir, stop_event=stop, debounce=500, step=50):
            try:
                report = settings.build_index()
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
