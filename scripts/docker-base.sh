#!/usr/bin/env bash
# Makes the base images the Dockerfiles start FROM, locally, when no image registry can be reached:
#   debian:bookworm-slim  a Debian 12 minbase (deploy/nginx/Dockerfile starts from it)
#   python:3.11-slim      the same plus Debian's Python 3.11, laid out like the official image
#                         (`python`, `python3`, `pip` on /usr/local/bin; `python -m venv` works)
# Both are built with debootstrap and `docker import`ed under the names a user's machine would pull,
# so the Dockerfiles stay the ones anybody builds anywhere. Skipped when both tags already exist.
#
# This machine's TLS-inspecting egress proxy (if any) stays trusted inside: the host's local CA
# certificates (/usr/local/share/ca-certificates) are added to the images' system bundle.
#
# Cost: about 2-3 minutes cold (debootstrap); the .deb files and the finished root file systems are
# cached under $KB_DOCKER_BASE_CACHE, so rebuilding the images after a wiped Docker takes seconds.
# The Debian mirror is the host's own (its APT sources), or $KB_DEBIAN_MIRROR when set.
set -euo pipefail

SUITE="bookworm"
DEBIAN_TAG="debian:bookworm-slim"
PYTHON_TAG="python:3.11-slim"
CACHE="${KB_DOCKER_BASE_CACHE:-/var/cache/kb-docker-base}"
# The cached root file systems are products of this script: a changed script makes new ones.
STAMP="$(sha256sum "$0" | cut -c1-12)"
DEBIAN_TAR="$CACHE/debian-$SUITE-$STAMP.tar"
PYTHON_TAR="$CACHE/python-3.11-$STAMP.tar"

if docker image inspect "$DEBIAN_TAG" >/dev/null 2>&1 && docker image inspect "$PYTHON_TAG" >/dev/null 2>&1; then
    echo "docker-base: $DEBIAN_TAG and $PYTHON_TAG exist"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

host_mirror() {
    # The first Debian archive the host's APT uses for $SUITE (deb822 .sources, then sources.list).
    local file
    for file in /etc/apt/sources.list.d/*.sources; do
        [ -f "$file" ] || continue
        awk -v suite="$SUITE" '
            /^URIs:/ { uri = $2 }
            /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) found = 1 }
            /^$/ { if (found && uri) { print uri; exit } found = 0; uri = "" }
            END { if (found && uri) print uri }
        ' "$file" | head -n 1
    done
    if [ -f /etc/apt/sources.list ]; then
        awk -v suite="$SUITE" '$1 == "deb" && $3 == suite { print $2; exit }' /etc/apt/sources.list
    fi
}

MIRROR="${KB_DEBIAN_MIRROR:-$(host_mirror | head -n 1)}"
if [ -z "$MIRROR" ]; then
    echo "docker-base: no Debian $SUITE mirror in the host's APT sources; set KB_DEBIAN_MIRROR" >&2
    exit 1
fi

$SUDO mkdir -p "$CACHE/debs"

make_rootfs() {
    local root="$1"
    if ! command -v debootstrap >/dev/null 2>&1; then
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends debootstrap \
            || { $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends debootstrap; }
    fi
    if ! $SUDO debootstrap --variant=minbase --cache-dir="$CACHE/debs" "$SUITE" "$root" "$MIRROR" \
        >"$CACHE/debootstrap.log" 2>&1; then
        tail -n 30 "$CACHE/debootstrap.log" >&2
        echo "docker-base: debootstrap failed; whole log: $CACHE/debootstrap.log" >&2
        return 1
    fi
    # The image's APT reads the same archives as the host (updates and security included).
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        $SUDO cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/debian.sources"
        $SUDO rm -f "$root/etc/apt/sources.list"
    fi
    # Like the official slim images: no docs, man pages or translations; APT keeps no .deb files.
    $SUDO tee "$root/etc/dpkg/dpkg.cfg.d/docker-slim" >/dev/null <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
CFG
    $SUDO tee "$root/etc/apt/apt.conf.d/docker-clean" >/dev/null <<'CFG'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT::Install-Recommends "false";
CFG
    $SUDO chroot "$root" sh -c 'apt-get update -q && apt-get install -y -q ca-certificates' >/dev/null
    if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
        $SUDO cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
    fi
    $SUDO chroot "$root" update-ca-certificates >/dev/null
}

slim() {
    local root="$1"
    $SUDO chroot "$root" sh -c 'apt-get clean && rm -rf /var/lib/apt/lists/* /var/log/*.log /var/cache/debconf/*-old'
    $SUDO rm -rf "$root"/usr/share/doc/*/changelog* "$root"/usr/share/man/* "$root"/usr/share/locale/* \
        "$root"/tmp/* "$root"/var/tmp/*
}

import_image() {
    local tar="$1" tag="$2"
    shift 2
    docker import "$@" "$tar" "$tag" >/dev/null
    echo "docker-base: tagged $tag ($(docker image inspect --format '{{.Size}}' "$tag" | numfmt --to=iec))"
}

if [ ! -f "$DEBIAN_TAR" ] || [ ! -f "$PYTHON_TAR" ]; then
    root="$(mktemp -d /var/tmp/kb-rootfs.XXXXXX)"
    trap '$SUDO rm -rf "$root"' EXIT
    make_rootfs "$root"
    slim "$root"
    $SUDO tar --numeric-owner -C "$root" -cf "$DEBIAN_TAR.part" . && $SUDO mv "$DEBIAN_TAR.part" "$DEBIAN_TAR"

    $SUDO chroot "$root" sh -c 'apt-get update -q && apt-get install -y -q python3 python3-venv python3-pip' >/dev/null
    # As in the official image: `python`, `python3`, `pip` first on PATH, and pip may install into
    # the system Python (Debian's PEP 668 marker would refuse it).
    $SUDO ln -sf /usr/bin/python3.11 "$root/usr/local/bin/python"
    $SUDO ln -sf /usr/bin/python3.11 "$root/usr/local/bin/python3"
    $SUDO ln -sf /usr/bin/python3.11 "$root/usr/local/bin/python3.11"
    $SUDO ln -sf /usr/bin/pip3 "$root/usr/local/bin/pip"
    $SUDO ln -sf /usr/bin/pip3 "$root/usr/local/bin/pip3"
    $SUDO rm -f "$root"/usr/lib/python3.*/EXTERNALLY-MANAGED
    slim "$root"
    $SUDO tar --numeric-owner -C "$root" -cf "$PYTHON_TAR.part" . && $SUDO mv "$PYTHON_TAR.part" "$PYTHON_TAR"
    # Older products of this script are of no further use.
    find "$CACHE" -maxdepth 1 -name '*.tar' ! -name "*-$STAMP.tar" -delete
fi

PATH_ENV="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
import_image "$DEBIAN_TAR" "$DEBIAN_TAG" --change "ENV $PATH_ENV" --change 'CMD ["bash"]'
import_image "$PYTHON_TAR" "$PYTHON_TAG" --change "ENV $PATH_ENV" --change 'ENV LANG=C.UTF-8' \
    --change 'ENV PYTHON_VERSION=3.11' --change 'CMD ["python3"]'
