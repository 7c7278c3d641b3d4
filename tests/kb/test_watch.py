"""The content watcher: an edit to the content folder publishes a new index version by itself."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from indexer import build_index, layout
from kb.engine.snapshot import Snapshot
from kb.watch import start_watcher
from tests.helpers.server import make_settings


def test_edit_triggers_an_incremental_rebuild(content_copy: Path, tmp_path: Path) -> None:
    """Saving an article while the watcher runs publishes a version that contains the edit."""
    index = tmp_path / "index"
    first = build_index(content_copy, index).version
    stop = threading.Event()
    thread = start_watcher(make_settings(index, content_copy, semantic=False), stop)
    try:
        time.sleep(0.5)
        (content_copy / "gift.md").write_text(
            "---\ntitle: Gift cards\n---\n## Redeem a gift card\n\nEnter the claim code.\n",
            encoding="utf-8",
        )
        deadline = time.monotonic() + 30
        while layout.current_version(index).name == first and time.monotonic() < deadline:  # type: ignore[union-attr]
            time.sleep(0.1)
        live = layout.current_version(index)
        assert live is not None and live.name != first
        assert "gift" in Snapshot.open(live).articles
    finally:
        stop.set()
        thread.join(timeout=10)
