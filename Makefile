# The README's two commands are `make serve` and `make test`; CI runs `make test` through .ci/run.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test check setup lint bench eval docker load clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,semantic]'
	touch $(STAMP)

setup: $(STAMP)

## Set up and serve the default help center on http://127.0.0.1:8000
serve: $(STAMP)
	KB_ENV=development $(BIN)/kb serve --host 127.0.0.1 --port 8000

## Set up and run the whole test suite (installs what the tests need: Chromium, PostgreSQL, ...)
test: $(STAMP)
	bash scripts/test-deps.sh
	$(MAKE) lint
	$(BIN)/pytest

## The fast lane: lint, types, import contracts and every test that needs no browser, database
## server or Docker engine, spread over the machine's cores (pytest-xdist). The tests marked slow
## are left to `make test` too: the load test, the benchmark's smoke run, the runs over the real
## corpora in ../shared and the two longest build-fault tests. The property tests get a quarter of
## their inputs here (the `check` Hypothesis profile, tests/helpers/budget.py), all of them there.
check: $(STAMP)
	$(MAKE) lint
	$(BIN)/pytest -q -n auto --dist worksteal -m "not browser and not postgres and not docker and not slow" \
		--hypothesis-profile=check

lint: $(STAMP)
	$(BIN)/ruff check kb indexer tests bench
	$(BIN)/ruff format --check kb indexer tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo

eval: $(STAMP)
	$(BIN)/kb eval ../shared/eval/dev.jsonl
	$(BIN)/kb eval tests/relevance/queries.jsonl --baseline

bench: $(STAMP)
	$(BIN)/python -m bench

## The long load test: 64 connections for 60 s against kb serve on 127.0.0.1, a reindex mid-run
load: $(STAMP)
	bash scripts/load-test.sh

docker:
	bash scripts/docker-build.sh

clean:
	rm -rf $(VENV) var build *.egg-info
