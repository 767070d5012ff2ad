# gpuplace: set-up, demo, tests, benchmarks. Every target creates .venv when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_WORKERS ?= 2

.PHONY: demo test test-slow test-dist fuzz bench lint typecheck format browser docs dist clean

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

# The documentation site (mkdocs.yml) into out/site; runs the notebook. The package is the
# repository root, so the API reference reads it through a link named gpuplace in a
# temporary folder outside the repository.
DOCS_STAMP := $(VENV)/.installed-docs
$(DOCS_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[all,docs]"
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	@src=$$(mktemp -d) && ln -s "$(CURDIR)" "$$src/gpuplace" && \
	GPUPLACE_DOCS_SRC="$$src" NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --quiet; \
	status=$$?; rm -rf "$$src"; exit $$status

# The wheel and the sdist into out/dist.
dist: $(STAMP)
	rm -rf out/dist
	$(BIN)/python -m build --outdir out/dist .

# Build both, install the wheel into a fresh venv and run the tour's first command there.
test-dist: $(STAMP)
	$(BIN)/python -m pytest -q -m slow tests/test_wheel.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy on the package (settings in pyproject.toml), read as gpuplace through a link in a
# temporary folder, as make docs does; tests, docs and bench are not part of it.
typecheck: $(STAMP)
	@src=$$(mktemp -d) && ln -s "$(CURDIR)" "$$src/gpuplace" && \
	(cd "$$src" && "$(CURDIR)/$(BIN)/mypy" --config-file "$(CURDIR)/pyproject.toml" \
		--cache-dir "$(CURDIR)/.mypy_cache" -p gpuplace); \
	status=$$?; rm -rf "$$src"; exit $$status

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache .hypothesis
