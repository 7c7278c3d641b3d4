"""The image, run as a user would: `docker run -p …`, health check, search, graceful stop."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from indexer import build_index
from tests.deploy.dockercli import QUOKKA_ARTICLE, REPO, Images, docker, wait_for
from tests.helpers.server import free_port

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.timeout(1800)]


class Container:
    def __init__(self, name: str, url: str) -> None:
        self.name = name
        self.url = url

    def state(self) -> dict[str, object]:
        out = docker("inspect", "--format", "{{json .State}}", self.name).stdout
        state: dict[str, object] = json.loads(out)
        return state

    def health(self) -> str | None:
        health = self.state().get("Health")
        return str(health["Status"]) if isinstance(health, dict) else None


def start(image: str, *options: str, command: Sequence[str] = ()) -> Container:
    """`docker run --detach` with the container's port 8000 published on a free loopback port."""
    name = f"kb-pytest-{uuid.uuid4().hex[:8]}"
    port = free_port()
    publish = ("--publish", f"127.0.0.1:{port}:8000")
    docker("run", "--detach", "--name", name, *publish, *options, image, *command)
    return Container(name, f"http://127.0.0.1:{port}")


@pytest.fixture()
def container(images: Images) -> Iterator[Container]:
    """The image started exactly as the README says: `docker run -p 8000:8000 kb` (on a free port)."""
    c = start(images.kb)
    try:
        yield c
    finally:
        docker("rm", "--force", c.name, check=False)


def shipped_article_count(tmp_path: Path) -> int:
    return build_index(REPO / "content", tmp_path / "index").articles


def test_container_turns_healthy_serves_and_stops_gracefully(
    container: Container, tmp_path: Path
) -> None:
    """The image's HEALTHCHECK turns healthy, it answers searches on the published port with the
    shipped help center, and `docker stop` (SIGTERM) ends it with exit code 0 within the timeout."""
    wait_for(lambda: True if container.health() == "healthy" else None, 90, "a healthy container")

    ready = httpx.get(f"{container.url}/readyz", timeout=10)
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"
    assert ready.json()["articles"] == shipped_article_count(tmp_path)

    found = httpx.get(f"{container.url}/search", params={"q": "how do I get a refund"}, timeout=10)
    assert found.status_code == 200
    assert found.json()["answers"][0]["article"] == "returns-and-refunds"

    assert docker("exec", container.name, "id", "-u").stdout.strip() == "10001"

    docker("stop", "--time", "30", container.name, timeout=60)
    state = container.state()
    assert state["Running"] is False
    assert state["ExitCode"] == 0, docker("logs", container.name).stderr[-2000:]
    assert state["OOMKilled"] is False


def test_mounted_content_folder_is_indexed_and_served(images: Images, tmp_path: Path) -> None:
    """A Markdown folder mounted at /content replaces the shipped help center: the container indexes
    it at start and answers from it alone."""
    content = tmp_path / "content"
    content.mkdir()
    (content / "quokka-sanctuary.md").write_text(QUOKKA_ARTICLE, encoding="utf-8")
    # The container's user (10001) must be able to read what the test process (root) wrote.
    content.chmod(0o755)
    (content / "quokka-sanctuary.md").chmod(0o644)
    c = start(images.kb, "--volume", f"{content}:/content:ro")
    try:
        ready = wait_ready(c.url, 30)
        assert ready["articles"] == 1
        body = httpx.get(f"{c.url}/search", params={"q": "quokka opening days"}, timeout=10).json()
        assert [a["article"] for a in body["answers"]] == ["quokka-sanctuary"]
    finally:
        docker("rm", "--force", c.name, check=False)


def test_example_admin_key_is_refused_at_start(images: Images) -> None:
    """In production (the image's default) the example admin key stops the container at start with
    kb's one-line error and a non-zero exit, instead of serving with a guessable key."""
    done = docker(
        "run", "--rm", "--env", "KB_ADMIN_KEY=change-me", images.kb, timeout=120, check=False
    )
    assert done.returncode != 0
    assert "example value" in done.stderr
    assert "Traceback" not in done.stderr


def test_kubernetes_pod_sequence_runs_on_a_read_only_root(images: Images, tmp_path: Path) -> None:
    """The Deployment's own commands work as its pods run them: the initContainer's index build and
    then `kb serve`, as user 10001 on a read-only root file system, with the help center laid out
    as a ConfigMap volume (files symlinked into a hidden, atomically swapped folder)."""
    deployment = yaml.safe_load((REPO / "deploy/kubernetes/deployment.yaml").read_text("utf-8"))
    pod = deployment["spec"]["template"]["spec"]
    [init], [server] = pod["initContainers"], pod["containers"]
    settings = yaml.safe_load((REPO / "deploy/kubernetes/configmap.yaml").read_text("utf-8"))

    content = tmp_path / "content"
    data = content / "..2026_01_01_00_00_00.000000001"
    shutil.copytree(REPO / "content", data)
    (content / "..data").symlink_to(data.name)
    for f in data.iterdir():
        (content / f.name).symlink_to(Path("..data") / f.name)
    state = tmp_path / "state"  # the pod's emptyDir, writable through fsGroup 10001
    state.mkdir()
    os.chown(state, 10001, 10001)
    for path in (content, data, *data.iterdir()):
        path.chmod(0o755 if path.is_dir() else 0o644)

    pod_args = [
        "--read-only",
        "--user",
        "10001:10001",
        "--tmpfs",
        "/tmp",
        "--volume",
        f"{content}:/content:ro",
        "--volume",
        f"{state}:/var/lib/kb",
        *(a for k, v in settings["data"].items() for a in ("--env", f"{k}={v}")),
    ]
    entry, *args = init["command"]
    docker("run", "--rm", *pod_args, "--entrypoint", entry, images.kb, *args, timeout=120)
    assert (state / "index" / "CURRENT").is_file()

    entry, *args = server["command"]
    c = start(images.kb, *pod_args, "--entrypoint", entry, command=args)
    try:
        ready = wait_ready(c.url, 30)
        assert ready["articles"] == shipped_article_count(tmp_path / "local")
        body = httpx.get(f"{c.url}/search", params={"q": "how do I get a refund"}, timeout=10)
        assert body.json()["answers"][0]["article"] == "returns-and-refunds"
    finally:
        docker("rm", "--force", c.name, check=False)


def wait_ready(url: str, timeout: float = 60) -> dict[str, Any]:
    """/readyz's body once it answers 200; on time-out, fails with kb's last answer (its reason)."""
    last: list[httpx.Response] = []

    def probe() -> dict[str, Any] | None:
        try:
            response = httpx.get(f"{url}/readyz", timeout=5)
        except httpx.TransportError:
            return None
        last[:] = [response]
        body: dict[str, Any] = response.json()
        return body if response.status_code == 200 else None

    try:
        return wait_for(probe, timeout, f"{url}/readyz")
    except AssertionError as exc:
        answer = f"; last answer: {last[0].status_code} {last[0].text}" if last else ""
        raise AssertionError(f"{exc}{answer}") from None
