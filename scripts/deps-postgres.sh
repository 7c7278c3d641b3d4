#!/usr/bin/env bash
# Installs what tests/analytics needs for its PostgreSQL half: Debian's PostgreSQL server binaries
# (initdb, pg_ctl, postgres) and the `postgres` system user they run as. The tests start their own
# throwaway server in a temporary folder on a free loopback port (tests/analytics/postgres.py); no
# cluster of this machine is started or changed. Idempotent: does nothing when a server is there.
set -euo pipefail

have_server() {
    local bin
    for bin in /usr/lib/postgresql/*/bin/initdb; do
        [ -x "$bin" ] && return 0
    done
    command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1
}

if ! have_server; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        SUDO="sudo"
    fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -q
    # `postgresql` is Debian's supported major version (15 on bookworm); -contrib is not needed.
    $SUDO apt-get install -y -q --no-install-recommends postgresql
fi

# The server refuses to run as root: the tests run it as `postgres` (created by the package) when
# they are root themselves.
if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
fi

for bin in /usr/lib/postgresql/*/bin/postgres; do
    if [ -x "$bin" ]; then
        "$bin" --version
        exit 0
    fi
done
postgres --version
