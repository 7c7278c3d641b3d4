"""The HTTP protocol kb serves with: uvicorn's httptools protocol, with its own refusals as JSON.

A request uvicorn cannot parse (raw bytes or a space in the request line, a bad header) never
reaches the app: uvicorn answers it with a plain-text 400 of its own. Here that answer is the same
JSON problem every other refusal of kb's is, {"error": "bad_request", "detail": ...}.
"""

from __future__ import annotations

import orjson
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol


class JsonErrorsProtocol(HttpToolsProtocol):
    def send_400_response(self, msg: str) -> None:
        body = orjson.dumps({"error": "bad_request", "detail": msg})
        content = [STATUS_LINE[400]]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend(
            [
                b"content-type: application/json\r\n",
                b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
                b"connection: close\r\n",
                b"\r\n",
                body,
            ]
        )
        self.transport.write(b"".join(content))
        self.transport.close()
