"""Rebuilding the index when the content folder changes (`KB_WATCH=true`)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from watchfiles import watch

from kb.config import default_content_dir
from kb.engine.common_words import DEFAULT_LANGUAGE
from kb.errors import KbError

log = logging.getLogger("kb.watch")


def start_watcher(
    content_dir: Path,
    index_dir: Path,
    stop: threading.Event,
    *,
    semantic: bool = True,
    typo_language: str = DEFAULT_LANGUAGE,
) -> threading.Thread:
    """A daemon thread that runs an incremental build after each burst of content changes (each
    version given its own confidence model on the semantic path, kb.engine.practice)."""
    from indexer import build_index, live_articles
    from kb.engine.practice import prepare_version

    def loop() -> None:
        # Read ahead of the first edit, as its incremental build would: that edit then goes live
        # as quickly as the next ones (10k chunks: ~0.2 s sooner).
        live_articles(index_dir)
        # A save is a write or two: 50 ms without another ends a burst (a copy of many files
        # goes on writing, and is built once, up to 0.5 s after its first change).
        for changes in watch(content_dir, stop_event=stop, debounce=500, step=50):
            try:
                report = build_index(
                    content_dir,
                    index_dir,
                    incremental=True,
                    default_channels=default_content_dir() / "channels.yaml",
                    before_publish=lambda version: prepare_version(
                        version, index_dir, semantic=semantic, language=typo_language
                    ),
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
