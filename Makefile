# Set-up and entry points.  Each target builds .venv from the machine's python3 on first use and
# installs what it needs once (a stamp file per extra), so a second run starts at once.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip

.PHONY: demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(VENV)/.core: pyproject.toml | $(BIN)/python
	$(PIP) install -q -e .
	touch $@

$(VENV)/.test: pyproject.toml $(VENV)/.core
	$(PIP) install -q -e '.[test]'
	touch $@

$(VENV)/.bench: pyproject.toml $(VENV)/.core
	$(PIP) install -q -e '.[bench]'
	touch $@

demo: $(VENV)/.core
	$(BIN)/quantforge demo

# --rootdir=tests: the repository root is itself the package (it has an __init__.py), and pytest
# would otherwise collect it as a test package under the checkout's directory name.
test: $(VENV)/.test
	$(BIN)/python -m pytest --rootdir=tests $(PYTEST_ARGS)

# ruff (lint and format) and the import-layer contracts of pyproject.toml
lint: $(VENV)/.test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

bench: $(VENV)/.bench
	$(BIN)/quantforge bench --out bench/results

clean:
	rm -rf $(VENV) demo-report
