"""`python -m tests.load`: the long load run (scripts/load-test.sh), printing its figures as JSON.

Exits 1 when any request failed, the reindex failed, or memory grew past the documented bound.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from tests.load.scenario import run


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.load", description=__doc__)
    parser.add_argument("--connections", type=int, default=64, help="concurrent connections")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kb-load-") as tmp:
        figures = run(Path(tmp), args.connections, args.seconds)
    report = figures.report()
    print(json.dumps(report, indent=2, ensure_ascii=False))
    for error in figures.load.errors[:20]:
        print(f"error: {error}", file=sys.stderr)
    ok = not figures.load.errors and figures.reindexed_version != ""
    ok = (
        ok and figures.served_version == figures.reindexed_version and figures.within_memory_bound()
    )
    print("load test: " + ("PASSED" if ok else "FAILED"), file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
