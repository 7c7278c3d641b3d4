"""kb.engine is a library: a Python caller searches an index without any web framework loaded."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

PROGRAM = """
import json, sys
from pathlib import Path
from kb.engine import SearchRequest, open_engine

engine = open_engine(Path(sys.argv[1]))
result = engine.search(SearchRequest(q="where is my refund", limit=3))
WEB = {"fastapi", "starlette", "uvicorn", "prometheus_client"}
web = sorted(m for m in sys.modules if m.split(".")[0] in WEB or m.startswith(("kb.web", "kb.server")))
print(json.dumps({
    "top": result.answers[0].article, "confidence": result.confidence, "fallback": result.fallback,
    "channel": result.channel.id, "answers": len(result.answers), "web": web,
    "suggest": [s.text for s in engine.suggest("refu")],
    "article": engine.article(result.answers[0].article).title,
}))
engine.close()
"""


def test_a_python_caller_searches_without_fastapi_imported(default_index: Path) -> None:
    """`from kb.engine import open_engine` answers a question with typed results, and neither FastAPI,
    Starlette, uvicorn, prometheus_client nor kb's web or server packages are imported."""
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(default_index)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["web"] == []
    assert out["answers"] == 3 and 0.0 <= out["confidence"] <= 1.0
    assert out["top"] == "returns-and-refunds" and not out["fallback"]
    assert out["channel"] and out["article"]
    assert any("refund" in s.lower() for s in out["suggest"])
