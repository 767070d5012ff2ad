# gpuplace: set-up, demo, tests, benchmarks. Every target creates .venv when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_WORKERS ?= 2

.PHONY: demo test test-slow fuzz bench lint format browser clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[all]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/gpuplace inspect datasets/apac/scenario.toml
	$(BIN)/gpuplace solve datasets/apac/scenario.toml -o out/apac-plan.json --force
	$(BIN)/gpuplace verify datasets/apac/scenario.toml out/apac-plan.json

# Headless Chromium (Debian package) for the report's browser test; skipped when unavailable.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) ; } || \
		echo "chromium not installed: browser tests will be skipped"

test: $(STAMP) browser
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) -m "not slow"

test-slow: $(STAMP) browser
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) -m slow

fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) -m "not slow" -k "fuzz or property"

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[all,bench]"
	$(BIN)/python -m bench.run --out BENCHMARKS.md

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache .hypothesis
