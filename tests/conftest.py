"""Shared fixtures: a real index built in a temporary folder, a real server on a loopback port."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import settings

from indexer import build_index
from kb.config import Settings
from tests.helpers.once import built_once, run_folder
from tests.helpers.server import client, make_settings, serve

REPO = Path(__file__).resolve().parent.parent
CONTENT = REPO / "content"
SHARED = REPO.parent / "shared"

# `make check` runs the property tests on a quarter of their inputs (`--hypothesis-profile=check`,
# applied by tests/helpers/budget.py); `make test` runs them all.
settings.register_profile("check", max_examples=25)


@pytest.fixture(scope="session", autouse=True)
def vector_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One KB_VECTOR_CACHE for the whole run, its processes and the servers they start: a text is
    embedded once a run, however many help centers hold it (tests of embedding counts build with
    `indexer.build_index`, which uses no cache unless told)."""
    folder = run_folder(tmp_path_factory) / "vectors"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KB_VECTOR_CACHE", str(folder))
        yield folder


@pytest.fixture(scope="session")
def default_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped help center, indexed once per session (read-only for tests)."""
    index_dir = tmp_path_factory.mktemp("default") / "index"
    build_index(CONTENT, index_dir)
    return index_dir


@pytest.fixture(scope="session")
def built_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped help center as `kb index` builds it (with section vectors where kb[semantic] is
    installed), built once per run for all its processes; read-only: `index_copy` is the one to use."""

    def build(folder: Path) -> None:
        make_settings(folder / "index", CONTENT).build_index()

    return built_once(tmp_path_factory, "built-index", build) / "index"


@pytest.fixture()
def index_copy(tmp_path: Path, built_index: Path) -> Path:
    """A writable copy of `built_index` in tmp_path/index: what `kb index` leaves, without the wait."""
    target = tmp_path / "index"
    shutil.copytree(built_index, target)
    return target


@pytest.fixture()
def content_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped content folder."""
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


@pytest.fixture(scope="session")
def default_settings(default_index: Path) -> Settings:
    return make_settings(default_index, CONTENT)


@pytest.fixture(scope="session")
def server_url(default_settings: Settings) -> Iterator[str]:
    """kb serving the shipped help center on a free loopback port for the whole session."""
    with serve(default_settings) as url:
        yield url


@pytest.fixture()
def http(server_url: str) -> Iterator[httpx.Client]:
    with client(server_url) as c:
        yield c
