# Two commands for a fresh machine with Python 3.11+:  make run  and  make test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench
# Options for the benchmark, e.g. make bench BENCH_ARGS="-n 500 --latency 5"
BENCH_ARGS ?=
# Parallel mutant runs for make mutate (default: one per core)
MUTATE_JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# Options for the attacks, e.g. make attack ATTACK_ARGS="--only forged,slowloris"
ATTACK_ARGS ?=

.PHONY: run test lint typecheck format screenshots bench attack mutate

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check pip==26.0.1
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e . --group dev
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/bugpilot-bot

# pytest under coverage (branch, bot processes the tests start included); fails below fail_under in pyproject.
test: lint typecheck
	$(BIN)/coverage erase
	$(BIN)/coverage run -m pytest
	$(BIN)/coverage combine --quiet
	$(BIN)/coverage report

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The README's screenshots of the sandbox page, taken by the browser test.
screenshots: $(STAMP)
	SANDBOX_SCREENSHOTS=docs $(BIN)/pytest tests/test_sandbox_browser.py tests/test_sandbox_browser_surfaces.py -q

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt --group bench
	touch $(BENCH_STAMP)

# The load benchmark (about a minute): the bot against a bare signature check and a synchronous Bolt app,
# and two bots on a throwaway PostgreSQL (skipped, with the reason, when PostgreSQL is not installed).
bench: $(BENCH_STAMP)
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

# The attacks (about 15 s, loopback only): the real bot against local fakes; exits 1 if any attack got through.
attack: $(STAMP)
	$(BIN)/python -m benchmarks.attack $(ATTACK_ARGS)

# Mutation testing of the core modules (mutmut, configured in pyproject), from scratch each time (mutmut's cache
# does not see new tests): about 6 minutes on 2 cores. Prints the score per module; exits 1 below 85 % killed.
# `.venv/bin/mutmut results` lists the survivors, `.venv/bin/mutmut show NAME` shows one.
mutate: $(STAMP)
	rm -rf mutants
	$(BIN)/mutmut run --max-children $(MUTATE_JOBS) > $(VENV)/mutmut.log 2>&1 || (tail -n 30 $(VENV)/mutmut.log; exit 1)
	$(BIN)/python -m tools.mutation_score --fail-under 85
