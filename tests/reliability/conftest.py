"""Fixtures of the reliability suite: the OpenAPI oracle, a server with keys, content made to attack."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from indexer import build_index
from tests.helpers.server import make_settings, serve
from tests.reliability.contract import OpenApiContract
from tests.reliability.corpus import CONTENT, write_xss_corpus

ADMIN_KEY = "admin-key-for-tests-0123456789"
AGENT_KEY = "agent-key-for-tests-9876543210"

INTERNAL_ARTICLE = """---
id: agent-refund-override
title: Refund override procedure for agents
audience: internal
topic: returns
summary: How an agent issues a manual refund override.
---
# Refund override procedure for agents

## Issue a manual refund override

Open the override console and enter the order number; the override needs a supervisor code.
"""


@pytest.fixture(scope="session")
def contract(server_url: str) -> OpenApiContract:
    """The OpenAPI description published by the shared test server (the oracle for responses)."""
    return OpenApiContract.fetch(server_url)


@dataclass
class GuardedServer:
    """A server with an admin key and an agent key, serving the shipped content plus one internal article."""

    url: str
    content_dir: Path
    index_dir: Path


@pytest.fixture(scope="module")
def guarded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GuardedServer]:
    """kb with an admin key and an agent key over the shipped content plus one internal article."""
    root = tmp_path_factory.mktemp("guarded")
    content = root / "content"
    shutil.copytree(CONTENT, content)
    (content / "agent-refund-override.md").write_text(INTERNAL_ARTICLE, encoding="utf-8")
    index = root / "index"
    build_index(content, index)
    # Built without vectors, it answers by words alone; so does the version a test's reindex builds,
    # whichever test of the module runs first (with vectors, a reindex would embed every section).
    settings = make_settings(
        index, content, admin_key=ADMIN_KEY, agent_keys=[AGENT_KEY], semantic=False
    )
    with serve(settings) as url:
        yield GuardedServer(url=url, content_dir=content, index_dir=index)


@pytest.fixture(scope="module")
def xss_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server whose whole content folder is XSS payloads."""
    root = tmp_path_factory.mktemp("xss")
    content = write_xss_corpus(root / "content")
    index = root / "index"
    report = build_index(content, index)
    assert report.articles == len(list(content.glob("*.md"))), report.to_json()
    with serve(make_settings(index, content)) as url:
        yield url
