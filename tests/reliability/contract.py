"""Checking a live response against the OpenAPI description the same server publishes."""

from __future__ import annotations

from functools import cache
from typing import Any

import httpx
import jsonschema_rs


class OpenApiContract:
    """The server's own /openapi.json, used as the oracle for every response it gives."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    @classmethod
    def fetch(cls, base_url: str) -> OpenApiContract:
        response = httpx.get(f"{base_url}/openapi.json", timeout=30)
        response.raise_for_status()
        return cls(response.json())

    @cache  # noqa: B019 - one contract per server, kept for the whole session
    def _validator(self, ref: str) -> Any:
        # OpenAPI 3.1 schemas are JSON Schema 2020-12; the components ride along so $refs resolve.
        return jsonschema_rs.Draft202012Validator(
            {"$ref": ref, "components": self.document["components"]}
        )

    def violations(self, method: str, template: str, response: httpx.Response) -> list[str]:
        """Why `response` does not match what the description promises for `method template`."""
        operation = self.document["paths"][template][method.lower()]
        status = str(response.status_code)
        documented = operation["responses"].get(status) or operation["responses"].get("default")
        if documented is None:
            return [f"{method} {template}: status {status} is not documented"]
        ctype = response.headers.get("content-type", "").split(";")[0].strip()
        content = documented.get("content") or {}
        if ctype not in content:
            return [f"{method} {template}: {status} as {ctype!r}, documented {sorted(content)}"]
        schema = content[ctype].get("schema")
        if ctype != "application/json" or not schema:
            return []
        try:
            body = response.json()
        except ValueError:
            return [f"{method} {template}: {status} body is not JSON: {response.text[:200]!r}"]
        if "$ref" in schema:
            validator = self._validator(schema["$ref"])
        else:
            validator = jsonschema_rs.Draft202012Validator(
                {**schema, "components": self.document["components"]}
            )
        return [
            f"{method} {template} {status} at /{'/'.join(map(str, e.instance_path))}: {e.message}"
            for e in validator.iter_errors(body)
        ]
