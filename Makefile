# Haven: `make run` serves the demo site, `make test` runs every check.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 1

.DEFAULT_GOAL := help
.PHONY: help install install-dev run test lint audit fmt migration clean

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-12s %s\n", $$1, $$2}'

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Haven needs Python 3.11 or newer (set PYTHON=python3.12, for example)"; exit 1; }
	scripts/install-system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed ## Create .venv and install Haven

install-dev: $(VENV)/.installed-dev ## Create .venv and install Haven with its test tools

run: install ## Migrate, load the demo into an empty site and serve it (HOST, PORT, WORKERS)
	$(BIN)/haven db upgrade
	$(BIN)/haven demo --if-empty
	$(BIN)/haven serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

lint: install-dev ## ruff (lint and format check) and mypy --strict
	$(BIN)/ruff check app tests migrations
	$(BIN)/ruff format --check app tests migrations
	$(BIN)/mypy

test: lint ## Lint, install Chromium if missing, then the whole suite on SQLite and PostgreSQL
	scripts/install-browser.sh
	PATH="$(CURDIR)/$(BIN):$$PATH" scripts/test.sh

# Not part of `make test`: the advisory database changes every day, so a check
# that passed would start failing with no change here, and it needs the network.
# --strict: a dependency the advisory service can't look up fails the audit
# instead of passing unchecked.
audit: install-dev ## Known vulnerabilities in the installed dependencies (pip-audit; network)
	$(BIN)/pip-audit --strict --skip-editable --progress-spinner off

fmt: install-dev ## Format and autofix
	$(BIN)/ruff format app tests migrations
	$(BIN)/ruff check --fix app tests migrations

migration: install-dev ## New migration from model changes: make migration m="add thing"
	@test -n "$(m)" || { echo 'usage: make migration m="what changed"'; exit 1; }
	$(BIN)/alembic revision --autogenerate -m "$(m)"

clean: ## Remove the virtualenv and caches (keeps data/)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
