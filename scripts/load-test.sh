#!/usr/bin/env bash
# The long load run: kb serve on 127.0.0.1 (a free port), 64 connections for 60 s with a full reindex
# in the middle; prints requests, errors, latency percentiles and server memory before/after as JSON.
# Exit status 1 when a request failed or memory grew past the bound in tests/load/scenario.py.
# Override with LOAD_CONNECTIONS / LOAD_SECONDS. The CI-sized run is tests/load/test_load.py.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
exec "$PYTHON" -m tests.load --connections "${LOAD_CONNECTIONS:-64}" --seconds "${LOAD_SECONDS:-60}"
