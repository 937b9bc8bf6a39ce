# Two commands a newcomer needs: `make run` and `make test`. Each creates .venv if missing.
PYTHON ?= python3
VENV ?= .venv
PORT ?= 8000
BIN := $(VENV)/bin

.PHONY: run test lint format clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when the project's dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/iisg db upgrade
	$(BIN)/iisg demo load --if-empty
	@$(BIN)/iisg demo accounts
	@echo "Serving the IISG Database on http://127.0.0.1:$(PORT), with its worker (Ctrl+C stops both)"
	@# The worker (jobs and the schedule) runs beside the web server and stops with it.
	export IISG_BASE_URL="$${IISG_BASE_URL:-http://127.0.0.1:$(PORT)}"; \
	$(BIN)/iisg worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/iisg run --host 127.0.0.1 --port $(PORT)

# One pytest process per core; TEST_WORKERS=0 runs the suite in this process alone.
# The slowest tests are listed at the end, to keep the suite within CI's time.
TEST_WORKERS ?= auto

test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup --durations=30

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
