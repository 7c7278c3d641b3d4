"""Raw HTTP/1.1 on a socket: requests that an HTTP client would normalize or refuse to send."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes


def raw_request(
    base_url: str, target: bytes, method: bytes = b"GET", extra: bytes = b""
) -> RawResponse:
    """Send `method target` exactly as given (no normalization, no encoding) and read the answer."""
    parts = urlsplit(base_url)
    assert parts.hostname in ("127.0.0.1", "localhost"), "raw requests go to loopback only"
    with socket.create_connection((parts.hostname, parts.port or 80), timeout=30) as sock:
        sock.sendall(
            method
            + b" "
            + target
            + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            + extra
            + b"\r\n"
        )
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return RawResponse(status=status, headers=headers, body=body)
