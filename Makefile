# Two commands for a new user: `make run` and `make test`. Both bootstrap .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP) ## init (migrate, key, demo client + user) then serve on 127.0.0.1:8000
	$(BIN)/authserver init --demo
	$(BIN)/authserver serve

test: $(STAMP) ## the whole suite (PostgreSQL too when AUTHSERVER_TEST_DATABASE_URL is set)
	$(BIN)/ruff check .
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP) ## throughput per core of each endpoint (README "Performance"); BENCH_ARGS="--duration 1"
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance
