"""Security: content and queries full of script payloads, path traversal, keys, headers, limits."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from indexer import build_index
from tests.helpers.server import make_settings, serve
from tests.reliability.conftest import ADMIN_KEY, AGENT_KEY, GuardedServer
from tests.reliability.contract import OpenApiContract
from tests.reliability.corpus import CONTENT, XSS_ARTICLE_BODIES
from tests.reliability.sanitized import script_problems
from tests.reliability.wire import raw_request

QUERY_PAYLOADS = [
    "<script>alert(1)</script> refund",
    "refund <img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)> refund',
    "javascript:alert(1) refund",
    "refund </script><script>alert(1)</script>",
    "refund <iframe src=javascript:alert(1)>",
    "{{7*7}} ${7*7} <%= 7*7 %> refund",
]
# Markup that would run if a JSON body were ever read as HTML.
RAW_MARKUP = re.compile(rb"<\s*(script|img|svg|iframe)\b", re.I)


# --- stored XSS: article content ---------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(XSS_ARTICLE_BODIES))
def test_articles_full_of_payloads_render_without_script(xss_server: str, name: str) -> None:
    """GET /articles/{id} of an article made of a script payload returns HTML that cannot run script."""
    response = httpx.get(f"{xss_server}/articles/xss-{name}", timeout=30)
    assert response.status_code == 200, response.text[:300]
    html = response.json()["html"]
    assert "xssword" in html.lower()  # the article's own text survived sanitizing
    assert not script_problems(html), (script_problems(html), html[:800])


def test_search_snippets_over_payload_articles_carry_no_script(xss_server: str) -> None:
    """Every snippet /search returns over payload articles is free of script, handlers and bad URLs."""
    seen = 0
    for q in ("xssword refund", "alert script", "onerror img", "javascript click", "svg onload"):
        for method in ("GET", "POST"):
            if method == "GET":
                response = httpx.get(
                    f"{xss_server}/search", params={"q": q, "limit": 50}, timeout=30
                )
            else:
                response = httpx.post(
                    f"{xss_server}/search", json={"q": q, "limit": 50}, timeout=30
                )
            assert response.status_code == 200, response.text[:300]
            for answer in response.json()["answers"]:
                seen += 1
                assert not script_problems(answer["snippet"]), answer["snippet"]
                assert set(re.findall(r"</?([a-zA-Z]+)", answer["snippet"])) <= {"mark"}, answer
    assert seen >= len(XSS_ARTICLE_BODIES), (
        f"only {seen} answers: the payload articles were not found"
    )


def test_deflect_over_payload_articles_carries_no_script(xss_server: str) -> None:
    """/deflect snippets over payload articles are as clean as /search's."""
    response = httpx.post(
        f"{xss_server}/deflect",
        json={"subject": "xssword refund", "body": "alert onerror"},
        timeout=30,
    )
    assert response.status_code == 200
    assert response.json()["answers"], "no answers: nothing was checked"
    for answer in response.json()["answers"]:
        assert not script_problems(answer["snippet"]), answer["snippet"]


# --- reflected XSS: queries --------------------------------------------------------------------


@pytest.mark.parametrize("payload", QUERY_PAYLOADS)
def test_query_payloads_are_reflected_only_escaped(server_url: str, payload: str) -> None:
    """A payload in the query comes back only as escaped JSON text (nosniff), never as live markup."""
    attempts = [
        httpx.get(f"{server_url}/search", params={"q": payload, "explain": "true"}, timeout=30),
        httpx.post(f"{server_url}/search", json={"q": payload}, timeout=30),
        httpx.get(f"{server_url}/suggest", params={"q": payload}, timeout=30),
        httpx.get(f"{server_url}/articles/{quote(payload, safe='')}", timeout=30),
        httpx.get(f"{server_url}/search", params={"q": "refund", "filter": payload}, timeout=30),
    ]
    for response in attempts:
        assert response.status_code < 500
        assert response.headers["content-type"].startswith("application/json"), response.headers
        assert response.headers["x-content-type-options"] == "nosniff"
        match = RAW_MARKUP.search(response.content)
        assert match is None, (response.request.url, response.content[:300])


# --- path traversal ----------------------------------------------------------------------------

TRAVERSALS = [
    b"/articles/../../../../etc/passwd",
    b"/articles/..%2f..%2f..%2f..%2fetc%2fpasswd",
    b"/articles/..%252f..%252fetc%252fpasswd",
    b"/articles/%2e%2e%2f%2e%2e%2fpyproject.toml",
    b"/articles/..%5c..%5cpyproject.toml",
    b"/articles/....//....//etc/passwd",
    b"/articles/%2e%2e",
    b"/articles/..",
    b"/articles/CURRENT",
    b"/articles/..%2fCURRENT",
    b"/articles/manifest.json",
    b"/articles/%2fetc%2fpasswd",
    b"/articles/%00..%2f..%2fetc%2fpasswd",
    b"/widget.js/../../pyproject.toml",
    b"/widget.js%2f..%2f..%2fpyproject.toml",
    b"/%2e%2e/%2e%2e/etc/passwd",
    b"/static/../../pyproject.toml",
    b"//etc/passwd",
]


@pytest.mark.parametrize("target", TRAVERSALS, ids=lambda t: t.decode())
def test_path_traversal_is_a_json_404_never_a_file(server_url: str, target: bytes) -> None:
    """Article ids and paths with ../ (plain or encoded) answer a JSON 404 and never a file's bytes."""
    response = raw_request(server_url, target)
    assert response.status == 404, (response.status, response.body[:300])
    assert response.headers["content-type"].startswith("application/json")
    assert response.body.startswith(b'{"error":"not_found"'), response.body[:300]
    for secret in (b"root:x:0:0", b"[project]", b"v-0", b"schema_version"):
        assert secret not in response.body


# --- keys --------------------------------------------------------------------------------------


def test_admin_endpoints_need_the_admin_key(guarded_server: GuardedServer) -> None:
    """POST /admin/reindex and GET /admin/report are 401 without, with a wrong or with a near-miss
    key, or with the key anywhere but the X-Admin-Key header; 200 with it."""
    wrong = [
        {},
        {"x-admin-key": "wrong"},
        {"x-admin-key": ADMIN_KEY.upper()},
        {"x-admin-key": ADMIN_KEY[:-1]},
        {"x-admin-key": ADMIN_KEY + "x"},
        {"x-agent-key": AGENT_KEY},
        {"authorization": f"Bearer {ADMIN_KEY}"},
    ]
    with httpx.Client(base_url=guarded_server.url, timeout=60) as c:
        for method, path in (("POST", "/admin/reindex"), ("GET", "/admin/report")):
            for headers in wrong:
                response = c.request(method, path, headers=headers)
                assert response.status_code == 401, (path, headers, response.text)
                assert response.json()["error"] == "unauthorized"
            response = c.request(method, path, params={"x_admin_key": ADMIN_KEY})
            assert response.status_code == 401, f"{path} took the key from the query string"
            response = c.request(method, path, headers={"cookie": f"x-admin-key={ADMIN_KEY}"})
            assert response.status_code == 401, f"{path} took the key from a cookie"
        response = c.post("/admin/reindex", headers={"x-admin-key": ADMIN_KEY})
        assert response.status_code == 200, response.text
        assert response.json()["articles"] == len(list(guarded_server.content_dir.glob("*.md")))
        assert c.get("/admin/report", headers={"x-admin-key": ADMIN_KEY}).status_code == 200


def test_reindex_does_not_exist_without_a_configured_key(server_url: str) -> None:
    """With no KB_ADMIN_KEY, the admin endpoints are a JSON 404 whatever key is offered."""
    for method, path in (("POST", "/admin/reindex"), ("GET", "/admin/report")):
        for headers in ({}, {"x-admin-key": ""}, {"x-admin-key": ADMIN_KEY}):
            response = httpx.request(method, f"{server_url}{path}", headers=headers, timeout=30)
            assert response.status_code == 404, response.text
            assert response.headers["content-type"].startswith("application/json")


def test_internal_articles_need_the_agent_key(guarded_server: GuardedServer) -> None:
    """An `audience: internal` article is invisible (article, search, suggest) without the agent key."""
    base, article = guarded_server.url, "agent-refund-override"
    wrong = [
        {},
        {"x-agent-key": "wrong"},
        {"x-agent-key": AGENT_KEY.upper()},
        {"x-agent-key": ADMIN_KEY},
        {"x-agent-key": ""},
    ]
    for headers in wrong:
        assert httpx.get(f"{base}/articles/{article}", headers=headers).status_code == 404
        found = httpx.get(
            f"{base}/search", params={"q": "refund override supervisor code"}, headers=headers
        ).json()
        assert article not in [a["article"] for a in found["answers"]], headers
        hints = httpx.get(f"{base}/suggest", params={"q": "refund over"}, headers=headers).json()
        assert article not in [s["article"] for s in hints["suggestions"]], headers
    assert (
        httpx.get(f"{base}/articles/{article}", params={"x_agent_key": AGENT_KEY}).status_code
        == 404
    )
    key = {"x-agent-key": AGENT_KEY}
    assert httpx.get(f"{base}/articles/{article}", headers=key).status_code == 200
    found = httpx.get(
        f"{base}/search", params={"q": "refund override supervisor code"}, headers=key
    )
    assert article in [a["article"] for a in found.json()["answers"]]
    hints = httpx.get(f"{base}/suggest", params={"q": "refund over"}, headers=key).json()
    assert article in [s["article"] for s in hints["suggestions"]]


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_keys_never_appear_in_the_server_log(
    tmp_path: Path, index_copy: Path, log_format: str
) -> None:
    """kb serve's whole log output (debug level) never contains an admin or agent key, right or wrong."""
    from tests.load.process import kb_serve

    index = index_copy  # as `kb index` leaves it: the reindex below builds on it
    wrong_admin, wrong_agent = "wrong-admin-key-abcdef0123", "wrong-agent-key-abcdef0123"
    env = {
        "KB_ADMIN_KEY": ADMIN_KEY,
        "KB_AGENT_KEYS": f'["{AGENT_KEY}"]',
        "KB_LOG_LEVEL": "debug",
        "KB_LOG_FORMAT": log_format,
    }
    with kb_serve(index, CONTENT, env) as server:
        with httpx.Client(base_url=server.url, timeout=60) as c:
            for key in (AGENT_KEY, wrong_agent):
                c.get("/search", params={"q": "refund"}, headers={"x-agent-key": key})
                c.post("/search", json={"q": "refund"}, headers={"x-agent-key": key})
                c.get("/articles/returns-and-refunds", headers={"x-agent-key": key})
                c.get("/articles/nope", headers={"x-agent-key": key})
                c.get("/search", params={"q": ""}, headers={"x-agent-key": key})
                c.post("/deflect", json={"subject": "refund"}, headers={"x-agent-key": key})
            for key in (ADMIN_KEY, wrong_admin):
                done = c.post("/admin/reindex", headers={"x-admin-key": key})
                assert done.status_code == (200 if key == ADMIN_KEY else 401), done.text
                c.post("/admin/reindex", params={"full": "maybe"}, headers={"x-admin-key": key})
                c.get("/admin/report", headers={"x-admin-key": key})
        server.stop()
        log = server.log()
    assert "request" in log and "/admin/reindex" in log, log[-2000:]  # the log was captured
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("analytics.db*"))
    assert stored, "no analytics database was written: nothing to check"
    for secret in (ADMIN_KEY, AGENT_KEY, wrong_admin, wrong_agent):
        assert secret not in log, f"{secret} is in the log"
        assert secret.encode() not in stored, f"{secret} is in the analytics database"


def test_the_settings_command_never_prints_keys(tmp_path: Path) -> None:
    """`kb settings` shows that keys are set, never their values."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "KB_ADMIN_KEY": ADMIN_KEY,
        "KB_AGENT_KEYS": f'["{AGENT_KEY}"]',
        "COLUMNS": "400",
    }
    kb = Path(sys.executable).with_name("kb")
    out = subprocess.run(
        [str(kb), "settings"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=True,
    )
    assert "KB_ADMIN_KEY" in out.stdout
    assert ADMIN_KEY not in out.stdout + out.stderr
    assert AGENT_KEY not in out.stdout + out.stderr


# --- headers and limits ------------------------------------------------------------------------


def test_security_headers_on_every_kind_of_response(server_url: str) -> None:
    """nosniff and a referrer policy on every answer (errors too); CSP and framing denial on HTML."""
    with httpx.Client(base_url=server_url, timeout=30) as c:
        responses = {
            "json": c.get("/search", params={"q": "refund"}),
            "404": c.get("/articles/nope"),
            "unknown path": c.get("/nope"),
            "405": c.delete("/search"),
            "400 utf-8": c.get(httpx.URL(f"{server_url}/search?q=%ff")),
            "413 body": c.post(
                "/search", content=b"x" * (65 * 1024), headers={"content-type": "application/json"}
            ),
            "422": c.get("/search", params={"q": "refund", "limit": "x"}),
            "html": c.get("/"),
            "widget": c.get("/widget.js"),
            "metrics": c.get("/metrics"),
        }
    for name, response in responses.items():
        assert response.headers.get("x-content-type-options") == "nosniff", name
        assert response.headers.get("referrer-policy"), name
    page = responses["html"]
    assert page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert (
        "script-src 'self'" in csp
        and "frame-ancestors 'none'" in csp
        and "object-src 'none'" in csp
    )
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert page.headers["x-frame-options"] == "DENY"


def test_request_bodies_over_64_kib_are_refused(server_url: str) -> None:
    """A body over 64 KiB is a JSON 413, announced by Content-Length or streamed chunked."""
    big = b'{"q": "' + b"a" * (65 * 1024) + b'"}'
    declared = httpx.post(
        f"{server_url}/search",
        content=big,
        headers={"content-type": "application/json"},
        timeout=30,
    )

    def chunks() -> object:
        for i in range(0, len(big), 4096):
            yield big[i : i + 4096]

    streamed = httpx.post(
        f"{server_url}/search",
        content=chunks(),  # type: ignore[arg-type]
        headers={"content-type": "application/json"},
        timeout=30,
    )
    assert "content-length" not in streamed.request.headers  # it really was sent chunked
    for response in (declared, streamed):
        assert response.status_code == 413, response.text[:200]
        assert response.json()["error"] == "too_large"
    just_under = b'{"q": "refund", "body": "' + b"a" * (60 * 1024) + b'"}'
    ok = httpx.post(
        f"{server_url}/search",
        content=just_under,
        headers={"content-type": "application/json"},
        timeout=30,
    )
    assert ok.status_code == 200, ok.text[:200]


def test_overlong_queries_are_a_json_413(server_url: str, contract: OpenApiContract) -> None:
    """A query over KB_MAX_QUERY_CHARS (500), even a 63 KB one, is a documented JSON 413."""
    for q in ("a" * 501, "refund " * 9_000):
        for response in (
            httpx.get(f"{server_url}/search", params={"q": q}, timeout=30),
            httpx.post(f"{server_url}/search", json={"q": q}, timeout=30),
        ):
            assert response.status_code == 413, response.text[:200]
            assert response.json()["error"] == "query_too_long"
            method = response.request.method
            assert not contract.violations(method, "/search", response)


def test_malformed_http_is_a_json_400(server_url: str) -> None:
    """Raw bytes, NULs and spaces in the request line, and a bad header, are refused by the HTTP
    layer before kb's app sees them: with a JSON 400 like every other refusal (kb/server/protocol.py)."""
    for target, extra in (
        (b"/search?q=ref\xffund", b""),
        (b"/search?q=a\x00b", b""),
        (b"/articles/\xff\xfe", b""),
        (b"/search?q=a b", b""),
        (b"/search?q=refund", b"Bad Header: x\r\n"),
    ):
        response = raw_request(server_url, target, extra=extra)
        assert response.status == 400, (target, response.status, response.body[:200])
        assert response.headers["content-type"] == "application/json", (target, response.headers)
        assert json.loads(response.body) == {
            "error": "bad_request",
            "detail": "Invalid HTTP request received.",
        }


# --- rate limit --------------------------------------------------------------------------------


def test_rate_limit_answers_429_with_retry_after_and_recovers(tmp_path: Path) -> None:
    """Past the per-minute budget a client gets JSON 429 + Retry-After; health is exempt; it recovers."""
    index = tmp_path / "index"
    build_index(CONTENT, index)
    per_minute = 30  # a burst of 30, then one request every 2 s
    settings = make_settings(index, CONTENT, rate_limit_per_minute=per_minute)
    with serve(settings) as url, httpx.Client(base_url=url, timeout=30) as c:
        contract = OpenApiContract.fetch(url)  # the description itself is not rate limited

        def limited(path: str) -> httpx.Response:
            # A token may refill between two requests on a slow machine: ask until refused.
            for _ in range(5):
                response = c.get(path)
                if response.status_code == 429:
                    return response
                assert response.status_code == 200, (path, response.text[:200])
            raise AssertionError(f"{path} was never rate limited")

        statuses = [
            c.get("/search", params={"q": "refund"}).status_code for _ in range(per_minute + 10)
        ]
        assert set(statuses[: per_minute - 2]) == {200}, statuses  # the burst is the whole budget
        assert 429 in statuses, statuses
        response = limited("/search?q=refund")
        assert response.json() == {
            "error": "rate_limited",
            "detail": "too many requests; slow down",
        }
        retry = int(response.headers["retry-after"])
        assert 1 <= retry <= 60
        assert not contract.violations("GET", "/search", response)
        for path, template in (
            ("/channels", "/channels"),
            ("/suggest?q=ref", "/suggest"),
            ("/articles/returns-and-refunds", "/articles/{article_id}"),
        ):
            assert not contract.violations("GET", template, limited(path)), path
        assert c.get("/healthz").status_code == 200
        assert c.get("/readyz").status_code == 200
        # Another client (another loopback address) is not limited by the first one's traffic.
        transport = httpx.HTTPTransport(local_address="127.0.0.2")
        with httpx.Client(base_url=url, timeout=30, transport=transport) as other:
            assert other.get("/search", params={"q": "refund"}).status_code == 200
        time.sleep(retry + 0.2)
        assert c.get("/search", params={"q": "refund"}).status_code == 200


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_requests_cannot_forge_log_lines(tmp_path: Path, log_format: str) -> None:
    """A path with an encoded newline or a request id with spaces stays inside its own log field."""
    from tests.load.process import kb_serve

    index = tmp_path / "index"
    build_index(CONTENT, index)
    forged_line = "17:00:00 ERROR   forged admin login ok"
    with kb_serve(index, CONTENT, {"KB_LOG_FORMAT": log_format}) as server:
        with httpx.Client(base_url=server.url, timeout=30) as c:
            c.get(f"/articles/x%0A{quote(forged_line)}")
            c.get(f"/articles/y%0D%0A{quote(json.dumps({'level': 'error', 'event': 'forged'}))}")
            echoed = c.get(
                "/search",
                params={"q": "refund"},
                headers={"x-request-id": "abc status=200 forged=1"},
            )
            assert " " not in echoed.headers["x-request-id"]
        server.stop()
        log = server.log()
    lines = [line for line in log.splitlines() if line and not line.startswith("kb serving on")]
    assert any("/articles/x" in line for line in lines), log[-1000:]  # the requests were logged
    for line in lines:
        assert not line.startswith("17:00:00"), f"forged line: {line!r}"
        assert "forged=1" not in line.replace("'", " ").split(" status=")[0], line
        if log_format == "json":
            assert isinstance(json.loads(line), dict), line
            assert json.loads(line).get("event") != "forged", line
