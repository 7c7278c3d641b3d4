#!/usr/bin/env bash
# Installs what the tests need beyond Python packages. Filled in per test family.
set -euo pipefail
