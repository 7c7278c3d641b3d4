"""`kb serve` as operators run it: several workers, a reindex under traffic, JSON logs, SIGTERM."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx

from tests.conftest import CONTENT
from tests.helpers.server import free_port


def test_workers_switch_index_under_load_and_shut_down_cleanly(tmp_path: Path) -> None:
    """Two workers serve through a reindex without a failed request, then exit 0 on SIGTERM."""
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    index = tmp_path / "index"
    port = free_port()
    env = {
        **os.environ,
        "KB_ENV": "production",
        "KB_LOG_FORMAT": "json",
        "KB_RATE_LIMIT_PER_MINUTE": "0",
        "KB_RELOAD_INTERVAL_S": "0.2",
        "KB_DATABASE_URL": f"sqlite:///{tmp_path / 'analytics.db'}",
    }
    cmd = [sys.executable, "-m", "kb", "serve", "--port", str(port), "--workers", "2"]
    cmd += ["--content", str(content), "--index", str(index)]
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.2)
        old = httpx.get(f"{base}/readyz").json()["version"]
        failures: list[str] = []
        sent = [0]
        stop = threading.Event()

        def traffic() -> None:
            # Four clients, each asking again 50 ms after its answer: requests are in flight on
            # both workers through the switch, and the reindex still gets the CPU it needs
            # (unpaced clients would take both cores from it, and the test's time with them).
            with httpx.Client(base_url=base, timeout=10) as c:
                while not stop.wait(0.05):
                    r = c.get("/search", params={"q": "where is my parcel"})
                    sent[0] += 1
                    if r.status_code != 200:
                        failures.append(f"{r.status_code} {r.text[:200]}")

        threads = [threading.Thread(target=traffic) for _ in range(4)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while sent[0] <= 20:  # the traffic is flowing before the build starts
            assert time.monotonic() < deadline and not failures, failures
            time.sleep(0.05)
        (content / "gift-cards.md").write_text(
            "---\ntitle: Gift cards\ntopic: billing\n---\n## Redeem a gift card\n\n"
            "Enter the claim code from the back of the gift card in your account.\n",
            encoding="utf-8",
        )
        built = subprocess.run(
            [sys.executable, "-m", "kb", "index", "--content", str(content), "--index", str(index)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert built.returncode == 0, built.stderr
        deadline = time.monotonic() + 60
        # The traffic goes on through the switch, until every worker answers from the new version
        # (each looks for it every KB_RELOAD_INTERVAL_S; a fresh connection lands on either).
        while old in {httpx.get(f"{base}/readyz").json()["version"] for _ in range(20)}:
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.05)
        stop.set()
        for t in threads:
            t.join()
        assert failures == [] and sent[0] > 20
        versions = {httpx.get(f"{base}/readyz").json()["version"] for _ in range(20)}
        assert len(versions) == 1 and versions != {old}
        top = httpx.get(f"{base}/search", params={"q": "redeem gift card"}).json()["answers"][0]
        assert top["article"] == "gift-cards"
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
    assert code == 0
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("event") == "request"]
    assert requests and all(
        len(r["request_id"]) >= 16 and r["status"] == 200 for r in requests[:20]
    )
    # Lines are written in batches: none is lost when the workers exit.
    assert sum(1 for r in requests if r["path"] == "/search") >= sent[0] + 1


@contextmanager
def two_workers(
    tmp_path: Path, index: Path, **extra_env: str
) -> Iterator[tuple[str, subprocess.Popen[bytes], list[str]]]:
    """`kb serve --workers 2` over `index` on a free port, both workers ready: its URL, process and
    command; on leaving, it must end with 0 on SIGTERM."""
    port = free_port()
    env = {
        **os.environ,
        "KB_ENV": "development",
        "KB_RATE_LIMIT_PER_MINUTE": "0",
        "KB_DATABASE_URL": f"sqlite:///{tmp_path / 'analytics.db'}",
        **extra_env,
    }
    cmd = [sys.executable, "-m", "kb", "serve", "--port", str(port), "--workers", "2"]
    cmd += ["--content", str(CONTENT), "--index", str(index)]
    with (tmp_path / "server.log").open("w") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not (_ready(base) and len(_workers(proc.pid)) == 2 and _started(tmp_path) == 2):
            assert time.monotonic() < deadline, (tmp_path / "server.log").read_text()
            time.sleep(0.2)
        yield base, proc, cmd
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0


def test_workers_share_a_burst_of_kept_alive_connections(tmp_path: Path, index_copy: Path) -> None:
    """Sixteen connections opened back to back (as a load balancer's pool or a load test opens
    them) are spread over both workers, each listening on a socket of its own: not all accepted by
    the worker that woke first, leaving the other idle."""
    with two_workers(tmp_path, index_copy) as (base, proc, _):
        host, port = base.removeprefix("http://").split(":")
        assert _listening_sockets(int(port)) == 2
        connections = [socket.create_connection((host, int(port)), timeout=10) for _ in range(16)]
        try:
            for n, conn in enumerate(connections, 1):
                for _ in range(n):
                    assert _get(conn, "/search?q=where+is+my+parcel").startswith(b"HTTP/1.1 200")
            holders = _holders(connections, int(port), _workers(proc.pid))
        finally:
            for conn in connections:
                conn.close()
        assert len(set(holders)) == 2, holders


def test_where_ports_cannot_be_shared_uvicorns_supervisor_serves_on_one_socket(
    tmp_path: Path, index_copy: Path
) -> None:
    """On a platform without SO_REUSEPORT (simulated: removed from the socket module of every process
    the server starts), `kb serve --workers 2` falls back to uvicorn's own supervisor: both workers
    accept on one listening socket, answer, and SIGTERM still ends the server with 0 (where ports
    can be shared, each worker listens on a socket of its own: the test above)."""
    shim = tmp_path / "no-reuseport"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text("import socket\n\ndel socket.SO_REUSEPORT\n")
    path = os.pathsep.join([str(shim), *filter(None, [os.environ.get("PYTHONPATH")])])
    with two_workers(tmp_path, index_copy, PYTHONPATH=path) as (base, _, _):
        assert _listening_sockets(int(base.rsplit(":", 1)[1])) == 1
        for _ in range(10):  # fresh connections
            with httpx.Client(base_url=base, timeout=10) as c:
                assert c.get("/search", params={"q": "refund"}).status_code == 200


def _listening_sockets(port: int) -> int:
    """How many distinct sockets listen on the loopback port (from the kernel's TCP table)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1].endswith(f":{port:04X}") and fields[3] == "0A":  # 0A: LISTEN
            found.add(fields[9])  # the socket's inode
    return len(found)


def _get(conn: socket.socket, path: str) -> bytes:
    """One GET on a kept-alive connection: the whole response (its body read by Content-Length)."""
    conn.sendall(f"GET {path} HTTP/1.1\r\nHost: kb\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    fields = dict(line.lower().split(b": ", 1) for line in head.split(b"\r\n")[1:])
    length = int(fields[b"content-length"])
    while len(body) < length:
        body += conn.recv(65536)
    return head + b"\r\n\r\n" + body


def test_a_worker_that_dies_is_replaced_and_a_port_in_use_fails_at_once(
    tmp_path: Path, index_copy: Path
) -> None:
    """A worker killed outright is replaced (the other keeps serving), SIGTERM still ends the server
    with 0; a port another program holds, or an app the workers cannot build, stops `kb serve
    --workers 2` at once, non-zero."""
    with two_workers(tmp_path, index_copy) as (base, proc, cmd):
        first = _workers(proc.pid)
        os.kill(first[0], signal.SIGKILL)
        deadline = time.monotonic() + 60
        while not (
            len(_workers(proc.pid)) == 2
            and set(_workers(proc.pid)) != set(first)
            and _started(tmp_path) == 3  # the replacement accepts: its socket's queue is served
        ):
            assert time.monotonic() < deadline, (tmp_path / "server.log").read_text()
            time.sleep(0.2)
        for _ in range(10):  # fresh connections, spread over both workers
            with httpx.Client(base_url=base, timeout=10) as c:
                assert c.get("/search", params={"q": "refund"}).status_code == 200
        assert "died" in (tmp_path / "server.log").read_text()
    port = int(base.rsplit(":", 1)[1])
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        refused = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0 and "in use" in refused.stdout + refused.stderr
    # An app the workers cannot build (a database kb cannot use) stops the server, not a restart loop.
    env = {**os.environ, "KB_ENV": "development", "KB_DATABASE_URL": "mysql://kb@localhost/kb"}
    broken = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    output = broken.stdout + broken.stderr
    assert broken.returncode == 3 and "cannot start: KB_DATABASE_URL" in output, output
    assert "died" not in output and "Traceback" not in output


def _started(tmp_path: Path) -> int:
    """How many worker processes have started their app so far (from the server's log): a worker's
    own socket queues connections from the moment it is bound, answered once its app has started."""
    return (tmp_path / "server.log").read_text().count("Application startup complete.")


def _ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/readyz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def _holders(connections: list[socket.socket], port: int, workers: list[int]) -> list[int]:
    """Which worker process holds the server's end of each loopback connection (from the kernel's
    TCP table and the workers' open files)."""
    inode_of = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1].endswith(f":{port:04X}") and fields[3] == "01":  # 01: ESTABLISHED
            inode_of[int(fields[2].rsplit(":", 1)[1], 16)] = fields[9]
    owner = {}
    for pid in workers:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with suppress(OSError):
                owner[str(fd.readlink())] = pid
    return [owner[f"socket:[{inode_of[conn.getsockname()[1]]}]"] for conn in connections]


def _workers(parent: int) -> list[int]:
    """The parent's worker processes (multiprocessing's spawned children)."""
    found = []
    for pid in Path(f"/proc/{parent}/task/{parent}/children").read_text().split():
        try:
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(int(pid))
        except OSError:  # it ended meanwhile
            pass
    return found
