"""The rate limit: `KB_RATE_LIMIT_PER_MINUTE` requests per client for the whole server.

The client is the connection's peer, or, when the peer is one of `KB_TRUSTED_PROXIES`, the address
its `X-Forwarded-For` names (uvicorn's ProxyHeadersMiddleware, ahead of the limit). Clients in
`KB_RATE_LIMIT_EXEMPT` are never limited. Each client has a token bucket (bursts up to the limit,
refilled at limit/60 per second) in one table every worker of the server shares: a file in the run
folder mapped into memory, read and written under an exclusive file lock. Why shared and not split
per worker: docs/decisions/rate-limit.md.
"""

from __future__ import annotations

import fcntl
import ipaddress
import math
import mmap
import os
import socket
import struct
import time
import zlib
from hashlib import blake2b
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from kb.web.middleware import send_problem

if TYPE_CHECKING:
    from fastapi import FastAPI

    from kb.config import Settings

__all__ = ["ClientTable", "RateLimit", "install", "table_path"]

_SLOT = struct.Struct("16sdd")  # client address (IPv6, or IPv4 mapped), tokens, last update
_EMPTY = bytes(16)
_V4_MAPPED = bytes(10) + b"\xff\xff"


def table_path(run_dir: Path) -> Path:
    """The rate limit's table in a server's run folder."""
    return run_dir / "rate-limit.table"


def install(app: FastAPI, settings: Settings) -> None:
    """Add the rate limit to `app`, and just outside it the client address from trusted proxies."""
    table = None
    if settings.rate_limit_per_minute > 0 and settings.run_dir is not None:
        table = table_path(settings.run_dir)
    app.add_middleware(
        RateLimit,
        per_minute=settings.rate_limit_per_minute,
        exempt=settings.rate_limit_exempt,
        table=table,
    )
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)


class ClientTable:
    """Token buckets by client address: `slots` fixed slots in a file shared by processes (or, with
    no file, in this process's memory). A client's bucket is in one of `PROBES` slots from its
    address's hash; a new client takes an empty or full-again slot there, else the one least
    recently used (whose client starts again with a full bucket)."""

    PROBES = 8

    def __init__(self, path: Path | None, per_minute: int, slots: int = 16384) -> None:
        self.rate = per_minute / 60.0
        self.capacity = float(per_minute)
        self.refill_s = 60.0  # an untouched bucket is full again after this
        self.slots = slots
        size = slots * _SLOT.size
        self.fd: int | None = None
        if path is None:
            self.map = mmap.mmap(-1, size)
        else:
            self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self.fd, fcntl.LOCK_EX)
            try:
                if os.fstat(self.fd).st_size < size:
                    os.ftruncate(self.fd, size)
            finally:
                fcntl.flock(self.fd, fcntl.LOCK_UN)
            self.map = mmap.mmap(self.fd, size)

    def take(self, client: bytes) -> float:
        """Take a token from `client`'s bucket: 0.0 if there was one, else the seconds until there is."""
        fd, m, unpack, pack = self.fd, self.map, _SLOT.unpack_from, _SLOT.pack_into
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            now = time.monotonic()  # CLOCK_MONOTONIC: one clock for every process of the machine
            start = zlib.crc32(client) % self.slots
            found = free = oldest = -1
            oldest_at = math.inf
            tokens = self.capacity
            for i in range(self.PROBES):
                at = (start + i) % self.slots * _SLOT.size
                who, left, last = unpack(m, at)
                if who == client:
                    found = at
                    tokens = min(self.capacity, left + (now - last) * self.rate)
                    break
                if free < 0 and (who == _EMPTY or now - last >= self.refill_s):
                    free = at
                if last < oldest_at:
                    oldest, oldest_at = at, last
            if found < 0:
                found = free if free >= 0 else oldest
            if tokens < 1.0:
                pack(m, found, client, tokens, now)
                return (1.0 - tokens) / self.rate
            pack(m, found, client, tokens - 1.0, now)
            return 0.0
        finally:
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)


class RateLimit:
    """429 with Retry-After for a client over the limit (see the module); health, readiness and
    metrics are never limited."""

    EXEMPT = ("/healthz", "/readyz", "/metrics")

    def __init__(
        self,
        app: ASGIApp,
        per_minute: int,
        exempt: list[str] | None = None,
        table: Path | None = None,
    ) -> None:
        self.app = app
        self.table = ClientTable(table, per_minute) if per_minute > 0 else None
        self.exempt = [ipaddress.ip_network(n, strict=False) for n in exempt or ()]
        self.clients: dict[str, bytes | None] = {}  # address → table key; None: exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.table is None or scope["path"] in self.EXEMPT:
            await self.app(scope, receive, send)
            return
        address = str((scope.get("client") or ("unknown", 0))[0])
        try:
            key = self.clients[address]
        except KeyError:
            key = self._key(address)
        if key is not None:
            wait = self.table.take(key)
            if wait > 0.0:
                await send_problem(
                    send,
                    429,
                    "rate_limited",
                    "too many requests; slow down",
                    [(b"retry-after", str(max(1, math.ceil(wait))).encode())],
                )
                return
        await self.app(scope, receive, send)

    def _key(self, address: str) -> bytes | None:
        """The table key of a client address (16 bytes), or None when its network is exempt."""
        key: bytes | None
        try:
            key = _V4_MAPPED + socket.inet_pton(socket.AF_INET, address)
        except OSError:
            try:
                key = socket.inet_pton(socket.AF_INET6, address)
            except OSError:  # not an IP address (a Unix socket's peer): one bucket per name
                key = blake2b(address.encode(), digest_size=16).digest()
        try:
            ip = ipaddress.ip_address(address)
            if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
                ip = ip.ipv4_mapped
            if any(ip in network for network in self.exempt):
                key = None
        except ValueError:
            pass
        if len(self.clients) >= 65536:  # a bound on what many distinct clients can make it hold
            self.clients.clear()
        self.clients[address] = key
        return key
