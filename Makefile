# Harbour developer commands. `make help` lists them.
#
#   make demo            set up, then `harbour demo` (SCALE=1 PORT=8000 by default)
#   make test            lint + type checks + the suite on SQLite (DATABASE_URL=postgres://... for PostgreSQL)
#   make test-browser    the Playwright journeys only (Debian's Chromium at /usr/bin/chromium)
#
# Set-up is incremental: the venv is reinstalled only when pyproject.toml changes, node_modules only when
# package-lock.json changes, and the front-end is rebuilt only when its sources change.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENV_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.package-lock.json
DIST_DIR := src/harbour/ui/static/dist
DIST_STAMP := $(DIST_DIR)/.built
ASSET_SOURCES := package.json $(shell find src/harbour/ui/assets src/harbour/ui/sass src/harbour/ui/js \
	-type f 2>/dev/null)

CHROMIUM ?= /usr/bin/chromium
SCALE ?= 1
PORT ?= 8000
SEED ?=
# pytest-xdist workers for the main suite ("auto": one per core); browser tests run in one process.
WORKERS ?= auto
PYTEST_ARGS ?=

.PHONY: help venv assets demo test test-python test-browser lint clean

help:
	@echo "make venv          create .venv and install Harbour with its dev dependencies"
	@echo "make assets        npm ci (when package-lock.json changed) and build the front-end"
	@echo "make demo          run the demo on http://127.0.0.1:$(PORT)/ (SCALE=$(SCALE) PORT=$(PORT) SEED=...)"
	@echo "make test          lint, type checks, the suite (SQLite; DATABASE_URL for PostgreSQL), browser tests"
	@echo "make test-python   the suite without the browser tests (WORKERS=$(WORKERS), PYTEST_ARGS=...)"
	@echo "make test-browser  the Playwright journeys with axe checks"
	@echo "make lint          ruff check, ruff format --check, mypy, lint-imports"
	@echo "make bench         benchmarks (not tests) into benchmarks/README.md (BENCH_SCALES=100000,1000000)"
	@echo "make clean         remove .venv, node_modules, built assets and caches (keeps var/)"

# ---- set-up ------------------------------------------------------------------------------------------

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

venv: $(VENV_STAMP)

$(NODE_STAMP): package-lock.json
	npm ci --no-audit --no-fund
	touch $@

$(DIST_STAMP): $(NODE_STAMP) $(ASSET_SOURCES)
	npm run build
	mkdir -p $(DIST_DIR)
	touch $@

assets: $(DIST_STAMP)

# ---- running -----------------------------------------------------------------------------------------

demo: venv assets
	HARBOUR_DEMO_MODE=1 $(BIN)/harbour demo --scale $(SCALE) --port $(PORT) $(if $(SEED),--seed $(SEED))

# ---- checks ------------------------------------------------------------------------------------------

# Runs every check even when one fails, then fails if any did.
lint: venv
	@status=0; \
	for check in "ruff check ." "ruff format --check ." "mypy" "lint-imports"; do \
		echo "== $$check"; \
		$(BIN)/$$check || { status=1; echo "!! $$check failed"; }; \
	done; \
	exit $$status

# The suite without the browser tests, in parallel. With DATABASE_URL set, pytest-django creates
# test_<name>_gwN databases (one per worker) on that server and drops them afterwards.
test-python: venv assets
	@echo "== pytest on $(if $(DATABASE_URL),PostgreSQL,SQLite) ($(WORKERS) workers)"
	$(BIN)/pytest -n $(WORKERS) -m "not browser" $(PYTEST_ARGS)

# The browser journeys in one process: a live server per test and one Chromium for the run. Without
# Chromium they are skipped loudly, except under CI=true, where that is a failure.
test-browser: venv assets
	@if [ ! -x "$(CHROMIUM)" ]; then \
		if [ "$${CI:-}" = "true" ]; then \
			echo "!! BROWSER TESTS NOT RUN: chromium not found at $(CHROMIUM) (CI=true: this is a failure)"; \
			exit 1; \
		fi; \
		echo ""; \
		echo "################################################################################"; \
		echo "##  BROWSER TESTS NOT RUN: chromium not found at $(CHROMIUM)"; \
		echo "##  install it with: apt-get install chromium"; \
		echo "################################################################################"; \
		echo ""; \
	else \
		echo "== pytest browser tests on $(if $(DATABASE_URL),PostgreSQL,SQLite) (Chromium: $(CHROMIUM))"; \
		echo "$(BIN)/pytest -p no:xdist -m browser $(PYTEST_ARGS)"; \
		HARBOUR_CHROMIUM=$(CHROMIUM) $(BIN)/pytest -p no:xdist -m browser $(PYTEST_ARGS); \
	fi

# Lint, then both test runs; each runs even when an earlier one failed, and `make test` fails if any did.
test: venv assets
	@status=0; \
	$(MAKE) --no-print-directory lint || { status=1; echo "!! lint failed"; }; \
	$(MAKE) --no-print-directory test-python || { status=1; echo "!! test-python failed"; }; \
	$(MAKE) --no-print-directory test-browser || { status=1; echo "!! test-browser failed"; }; \
	if [ ! -x "$(CHROMIUM)" ]; then echo "!! BROWSER TESTS NOT RUN: chromium not found at $(CHROMIUM)"; fi; \
	exit $$status

# ---- benchmarks ----------------------------------------------------------------------------------------

# Measurements, not tests: each benchmark writes its figures into benchmarks/README.md.
# BENCH_SCALES chooses the batch-linkage sizes (default 100000; 1000000 takes a few minutes).
.PHONY: bench
bench: venv
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) node_modules $(DIST_DIR) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache \
		test-results src/*.egg-info
	find src tests -name __pycache__ -type d -prune -exec rm -rf {} +
