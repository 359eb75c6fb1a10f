# Two commands matter: `make run` serves the API (HOST, PORT), `make test` runs every check.
# Each prepares its own virtual environment from nothing but Python 3.11 and pip.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install migrate seed lint openapi bench clean messages screenshots vendor

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	$(BIN)/costshare migrate

seed: migrate
	$(BIN)/costshare seed

run: seed
	$(BIN)/costshare serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest

openapi: $(STAMP)
	$(BIN)/costshare openapi > openapi/openapi.json

# The pages' messages: extract them into the catalogs under app/locale (then translate nl).
messages: $(STAMP)
	$(BIN)/python scripts/messages.py

# Screenshots of every page for the README (needs Debian's chromium).
screenshots: $(STAMP)
	$(BIN)/python -m tests.browser.screenshots

# Refresh the vendored browser assets from the npm registry (versions in the script).
vendor:
	scripts/vendor-assets.sh

bench: $(STAMP)
	$(BIN)/python bench/all.py --write

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache .hypothesis
