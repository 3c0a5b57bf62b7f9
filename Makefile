# The platform's commands. `make run` and `make test` are all a new machine needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed
PYTEST := $(BIN)/pytest -p no:cacheprovider
# The suite runs on every core (pytest-xdist); `make test TEST_WORKERS=0` runs it in one process.
TEST_WORKERS ?= auto

.PHONY: run install test test-postgres browser-test api-contract api-contract-quick mutation lint format bench messages clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "CASM needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV) || { echo "python venv is missing: apt-get install python3-venv"; exit 1; }
	$(BIN)/pip install -q --upgrade pip

$(RUNTIME): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(DEV): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test,lint,bench]'
	touch $(RUNTIME) $@

install: $(RUNTIME)

run: $(RUNTIME)
	$(BIN)/casm migrate --noinput
	$(BIN)/casm collectstatic --noinput -v 0
	$(BIN)/casm demo --if-empty
	$(BIN)/casm createadmin --if-none
	$(BIN)/casm run

test: $(DEV)
	$(PYTEST) -n $(TEST_WORKERS) -m "not browser"

test-postgres: $(DEV)
	scripts/with-postgres.sh $(PYTEST) -n $(TEST_WORKERS) -m "not browser"

browser-test: $(DEV)
	@test -x /usr/bin/chromium || { echo "Chromium is missing: apt-get install chromium"; exit 1; }
	$(PYTEST) -m browser

# schemathesis against a live server on 127.0.0.1 with the demo data, as anonymous, a data
# officer and an administrator: no server error, every status declared, every body in its schema.
api-contract: $(DEV)
	$(BIN)/python scripts/api_contract.py

# The same within a few minutes, as CI runs it.
api-contract-quick: $(DEV)
	$(BIN)/python scripts/api_contract.py --examples 3 --max-time 45

# Mutation testing of the guard modules against their own tests (minutes, not for CI):
# `make mutation MODULES="tables audit"` for some of them. See docs/testing.md.
MUTATION := $(VENV)/.mutation-installed
$(MUTATION): pyproject.toml $(DEV)
	$(BIN)/pip install -q -e '.[test,mutation]'
	touch $@

mutation: $(MUTATION)
	$(BIN)/python scripts/mutation.py $(MODULES)

lint: $(DEV)
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/mypy src

format: $(DEV)
	$(BIN)/ruff format src tests benchmarks scripts
	$(BIN)/ruff check --fix src tests benchmarks scripts

bench: $(DEV)
	$(BIN)/python benchmarks/run.py

messages: $(DEV)
	cd src/casm && ../../$(BIN)/casm makemessages -l fr -l es -l pt --no-obsolete --no-location
	cd src/casm && ../../$(BIN)/casm compilemessages

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
