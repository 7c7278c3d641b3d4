#!/usr/bin/env bash
# Builds the images of the deployment from this checkout, on this machine, with nothing but the
# package registries reachable:
#   $KB_IMAGE     (default kb:latest)     the service, from ./Dockerfile
#   $KB_LB_IMAGE  (default kb-lb:latest)  the HAProxy load balancer, from deploy/haproxy/Dockerfile
# It makes Docker work first (deps-docker.sh) and the base images when no registry can supply
# them (docker-base.sh). pip inside the build gets the host's own index settings as build
# arguments, read from the host's pip configuration at build time (local file:// indexes excluded:
# they are not inside the build). Usage: scripts/docker-build.sh [kb|lb|all]   (default all)
set -euo pipefail

cd "$(dirname "$0")/.."
WHAT="${1:-all}"
KB_IMAGE="${KB_IMAGE:-kb:latest}"
KB_LB_IMAGE="${KB_LB_IMAGE:-kb-lb:latest}"

bash scripts/deps-docker.sh >/dev/null
bash scripts/docker-base.sh

# pip's configuration files, read once: lines like  global.index-url='https://…'
PIP_CONFIG="$(python3 -m pip config list 2>/dev/null || true)"
pip_setting() {
    # An environment variable wins over pip's configuration files, as for pip itself.
    local value="${!1:-}"
    if [ -z "$value" ]; then
        value="$(printf '%s\n' "$PIP_CONFIG" | sed -n "s/^global\.$2='\(.*\)'\$/\1/p" | head -n 1)"
    fi
    printf '%s' "$value"
}

remote_only() {
    # Keeps the http(s) entries of a space-separated list of index addresses.
    local out="" url
    for url in $1; do
        case "$url" in
        http://* | https://*) out="${out:+$out }$url" ;;
        esac
    done
    printf '%s' "$out"
}

build_args=()
add_arg() {
    if [ -n "$2" ]; then
        build_args+=(--build-arg "$1=$2")
    fi
}
add_arg PIP_INDEX_URL "$(remote_only "$(pip_setting PIP_INDEX_URL index-url)")"
add_arg PIP_EXTRA_INDEX_URL "$(remote_only "$(pip_setting PIP_EXTRA_INDEX_URL extra-index-url)")"
add_arg PIP_TRUSTED_HOST "$(pip_setting PIP_TRUSTED_HOST trusted-host)"
add_arg PIP_DEFAULT_TIMEOUT "$(pip_setting PIP_DEFAULT_TIMEOUT default-timeout)"
# A host whose pip names its own CA bundle sits behind a TLS-inspecting proxy: the base image's
# system bundle holds the host's local CAs (docker-base.sh), so pip in the build is pointed at it.
if [ -n "$(pip_setting PIP_CERT cert)" ]; then
    add_arg PIP_CERT /etc/ssl/certs/ca-certificates.crt
fi
for proxy in HTTP_PROXY HTTPS_PROXY NO_PROXY http_proxy https_proxy no_proxy; do
    add_arg "$proxy" "${!proxy:-}"
done

build() {
    local tag="$1" context="$2" started
    started="$(date +%s)"
    # The classic builder: Debian's engine has no buildx plugin here, and the Dockerfiles need
    # nothing BuildKit-only.
    local log="${TMPDIR:-/tmp}/kb-docker-build-${tag//[:\/]/-}.log"
    if ! DOCKER_BUILDKIT=0 docker build "${build_args[@]}" --tag "$tag" "$context" >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        echo "docker-build: building $tag failed; whole log: $log" >&2
        return 1
    fi
    echo "docker-build: $tag in $(($(date +%s) - started))s," \
        "$(docker image inspect --format '{{.Size}}' "$tag" | numfmt --to=iec)"
}

case "$WHAT" in
kb) build "$KB_IMAGE" . ;;
lb) build "$KB_LB_IMAGE" deploy/haproxy ;;
all)
    build "$KB_IMAGE" .
    build "$KB_LB_IMAGE" deploy/haproxy
    ;;
*)
    echo "usage: $0 [kb|lb|all]" >&2
    exit 2
    ;;
esac
