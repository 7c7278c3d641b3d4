#!/usr/bin/env bash
# Installs what bench/ (and its smoke test) uses beyond Python packages: wrk, the HTTP load generator
# from Debian's packages. Idempotent.
set -euo pipefail
if command -v wrk >/dev/null 2>&1; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends wrk
