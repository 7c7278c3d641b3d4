"""compose.yaml scaled out: three kb replicas behind the load balancer, reindexed under traffic."""

from __future__ import annotations

import os
import re
import secrets
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.deploy.dockercli import QUOKKA_ARTICLE, Compose, Images, wait_for
from tests.helpers.server import free_port

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.timeout(1800)]

REPLICAS = 3
REQUESTS = 300
STREAM_S = 20.0
QUERIES = ["how do I get a refund", "track my package", "cancel an order", "quokka sanctuary"]
# Run inside a replica: its own answer to the new article's query, from its own loopback.
ASK_REPLICA = (
    "import json, time, urllib.parse, urllib.request\n"
    "url = 'http://127.0.0.1:8000/search?q=' + urllib.parse.quote('quokka sanctuary')\n"
    "for _ in range(40):\n"
    "    answers = json.load(urllib.request.urlopen(url, timeout=5))['answers']\n"
    "    if answers and answers[0]['article'] == 'quokka-sanctuary':\n"
    "        break\n"
    "    time.sleep(0.25)\n"
    "print(answers[0]['article'] if answers else '')\n"
)


@pytest.fixture()
def stack(images: Images, tmp_path: Path) -> Iterator[tuple[Compose, str, str]]:
    """`docker compose up --scale kb=3` on a free loopback port with a fresh admin key; `down -v` after."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    admin_key = secrets.token_hex(16)
    port = free_port()
    env.update(
        KB_IMAGE=images.kb,
        KB_LB_IMAGE=images.lb,
        KB_ADMIN_KEY=admin_key,
        KB_LB_ADDRESS="127.0.0.1",
        KB_LB_PORT=str(port),
    )
    empty = tmp_path / "empty.env"
    empty.write_text("", encoding="utf-8")
    compose = Compose(f"kbpytest{secrets.token_hex(4)}", env, empty)
    try:
        compose.run(
            "up",
            "--detach",
            "--no-build",
            "--scale",
            f"kb={REPLICAS}",
            "--wait",
            "--wait-timeout",
            "180",
            timeout=240,
        )
        yield compose, f"http://127.0.0.1:{port}", admin_key
    finally:
        compose.run("down", "--volumes", "--timeout", "30", timeout=120, check=False)


def test_three_replicas_serve_every_request_through_a_reindex(
    stack: tuple[Compose, str, str],
) -> None:
    """Through the balancer, a stream of searches spread over three replicas all succeed while the
    shared content changes and is reindexed mid-stream, and afterwards every replica answers from
    the new content."""
    compose, url, admin_key = stack
    ids = compose.run("ps", "--quiet", "kb").stdout.split()
    assert len(ids) == REPLICAS

    with httpx.Client(base_url=url, timeout=10) as client:
        wait_for(lambda: _ok(client, "/readyz"), 60, "the balancer to reach a ready replica")
        before = client.get("/search", params={"q": "quokka sanctuary"}).json()
        assert "quokka-sanctuary" not in [a["article"] for a in before["answers"]]

        failures: list[str] = []
        lock = threading.Lock()
        started = time.monotonic()

        def search(i: int) -> None:
            time.sleep(max(0.0, started + i * STREAM_S / REQUESTS - time.monotonic()))
            try:
                r = client.get("/search", params={"q": QUERIES[i % len(QUERIES)]})
                ok = r.status_code == 200 and "answers" in r.json()
                problem = f"#{i}: HTTP {r.status_code} {r.text[:200]}"
            except httpx.HTTPError as exc:
                ok, problem = False, f"#{i}: {exc!r}"
            if not ok:
                with lock:
                    failures.append(problem)

        with ThreadPoolExecutor(max_workers=8) as pool:
            futures = [pool.submit(search, i) for i in range(REQUESTS)]
            # A third of the way in: new content in the shared volume, reindexed through the balancer.
            time.sleep(STREAM_S / 3)
            compose.run(
                "exec",
                "-T",
                "--user",
                "root",
                "kb",
                "sh",
                "-c",
                "cat > /content/quokka-sanctuary.md",
                stdin=QUOKKA_ARTICLE,
            )
            reindex = client.post("/admin/reindex", headers={"X-Admin-Key": admin_key})
            for f in futures:
                f.result()
        elapsed = time.monotonic() - started

        assert reindex.status_code == 200, reindex.text
        assert reindex.json()["changed"] >= 1
        assert failures == [], f"{len(failures)} of {REQUESTS} failed: {failures[:5]}"

    served_by = _servers_in_balancer_log(compose)
    assert len(served_by) == REPLICAS, served_by
    for replica in range(1, REPLICAS + 1):
        answer = compose.run(
            "exec", "-T", "--index", str(replica), "kb", "python", "-c", ASK_REPLICA
        ).stdout.strip()
        assert answer == "quokka-sanctuary", f"replica {replica} answered {answer!r}"
    print(
        f"scale-out: {REQUESTS} searches in {elapsed:.1f} s through the balancer, 0 failed; "
        f"per balancer slot {dict(served_by)}; {REPLICAS} replicas serve the new article"
    )


def _ok(client: httpx.Client, path: str) -> bool | None:
    try:
        return True if client.get(path).status_code == 200 else None
    except httpx.TransportError:
        return None


def _servers_in_balancer_log(compose: Compose) -> Counter[str]:
    """Searches per backend server, from HAProxy's access log (`backend/server` in each line)."""
    log = compose.run("logs", "--no-log-prefix", "lb").stdout
    return Counter(re.findall(r" kb/(kb\d+) .*\"GET /search\?", log))
