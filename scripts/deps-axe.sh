#!/usr/bin/env bash
# Installs what tests/browser/test_accessibility.py injects into pages: axe-core, pinned, from the npm
# registry into .deps/npm/ (gitignored); the test reads .deps/npm/node_modules/axe-core/axe.min.js.
# Idempotent and quiet: does nothing when that version is already there. Installs Debian's npm when
# the machine has none.
set -euo pipefail

AXE_VERSION="4.14.1"
root="$(cd "$(dirname "$0")/.." && pwd)"
prefix="$root/.deps/npm"
installed="$prefix/node_modules/axe-core/package.json"

if [ -f "$installed" ] && [ -f "$prefix/node_modules/axe-core/axe.min.js" ] \
    && grep -q "\"version\": \"$AXE_VERSION\"" "$installed"; then
    exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        SUDO="sudo"
    fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q --no-install-recommends npm
fi

mkdir -p "$prefix"
# No package.json or lock file of ours: the pin above is the whole manifest. npm checks the tarball
# against the registry's integrity hash; --ignore-scripts because axe-core needs no install step.
npm install --prefix "$prefix" --no-save --no-package-lock --no-audit --no-fund --ignore-scripts \
    --loglevel=error "axe-core@$AXE_VERSION"
test -f "$prefix/node_modules/axe-core/axe.min.js"
echo "axe-core $AXE_VERSION in $prefix/node_modules/axe-core"
