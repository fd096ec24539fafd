# Two commands for a fresh machine with Python 3.11+:  make run  and  make test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck format bench

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check pip==26.0.1
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e . --group dev
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/bugpilot-bot

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The README's screenshots of the sandbox page, taken by the browser test.
.PHONY: screenshots
screenshots: $(STAMP)
	SANDBOX_SCREENSHOTS=docs $(BIN)/pytest tests/test_sandbox_browser.py -q
