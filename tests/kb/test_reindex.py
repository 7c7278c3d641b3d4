"""POST /admin/reindex: a rebuild in a process of its own, switched in, its errors as JSON problems."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx

from indexer import build_index
from tests.conftest import CONTENT
from tests.helpers.server import client, make_settings, serve

KEY = {"x-admin-key": "admin-key-0123456789abcdef"}


def test_reindex_builds_switches_and_reports(tmp_path: Path) -> None:
    """An edit followed by a reindex is searchable at once; the answer is the build's report;
    content that cannot be used is a 422 problem and the previous version keeps serving."""
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    build_index(content, tmp_path / "index")
    settings = make_settings(
        tmp_path / "index", content, admin_key=KEY["x-admin-key"], semantic=False
    )
    with serve(settings) as url, client(url) as c:
        before = c.get("/readyz").json()["version"]
        (content / "gift-cards.md").write_text(
            "---\ntitle: Gift cards\n---\n## Redeem a gift card\n\nEnter the claim code at checkout.\n",
            encoding="utf-8",
        )
        done = c.post("/admin/reindex", headers=KEY)
        assert done.status_code == 200, done.text
        report = done.json()
        assert report["articles"] == before_count(c) and report["version"] != before
        assert c.get("/readyz").json()["version"] == report["version"]
        top = c.get("/search", params={"q": "redeem gift card claim code"}).json()["answers"][0]
        assert top["article"] == "gift-cards"
        (content / "channels.yaml").write_text("channels: [oops\n", encoding="utf-8")
        bad = c.post("/admin/reindex", headers=KEY, params={"full": "true"})
        assert bad.status_code == 422 and bad.json()["error"] == "bad_content", bad.text
        assert c.get("/readyz").json()["version"] == report["version"]


def before_count(c: httpx.Client) -> int:
    """Articles the live version holds, as /readyz says."""
    return int(c.get("/readyz").json()["articles"])
