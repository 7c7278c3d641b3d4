#!/usr/bin/env bash
# Installs and starts what the test suite needs beyond Python packages: each scripts/deps-*.sh is
# idempotent (Chromium for the widget, PostgreSQL for analytics, the Docker engine for the image).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
for script in "$here"/deps-*.sh; do
  echo "== $(basename "$script")"
  bash "$script"
done
