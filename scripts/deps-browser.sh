#!/usr/bin/env bash
# Installs what tests/browser needs: Debian's Chromium at /usr/bin/chromium (Playwright drives it
# through the Python package already in the venv). Idempotent: does nothing when it is there.
# Never `playwright install`: it downloads a browser build of its own, which CI machines cannot fetch.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core
/usr/bin/chromium --version
