# `make help` lists the targets. `make run` and `make test` set everything up on a fresh machine.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BI_VENV := .venv-bi
BI_STAMP := $(BI_VENV)/.installed

.PHONY: help setup run bi bi-setup bi-export test test-fast bench bench-city bench-engines lint lock lock-bi clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)  ## create .venv with the pinned packages and the project

run: setup  ## demo data (30 days), the daily pipeline and the reports
	$(PY) -m parking_warehouse.demo

$(BI_STAMP): bi/requirements.txt
	test -x $(BI_VENV)/bin/python || python3 -m venv $(BI_VENV)
	$(BI_VENV)/bin/python -m pip install -q --upgrade pip
	$(BI_VENV)/bin/python -m pip install -q -r bi/requirements.txt
	touch $(BI_STAMP)

bi-setup: $(BI_STAMP)  ## create .venv-bi: Apache Superset with its own pins (bi/requirements.txt)

bi: setup bi-setup  ## Superset on the published warehouse: the dashboard on http://127.0.0.1:8088 (after make run)
	$(PY) -m bi.superset serve

bi-export: setup bi-setup  ## write the dashboard edited in the running Superset back into bi/dashboard/
	$(PY) -m bi.superset export

test: setup bi-setup  ## install system packages, start PostgreSQL, run the whole test suite
	bash scripts/install-system-packages.sh
	PARKING_TEST_POSTGRES_URL=$$(bash scripts/start-postgres.sh) $(PY) -m pytest -q

test-fast: setup  ## the test suite without the slow end-to-end tests
	$(PY) -m pytest -q -m "not slow and not postgres"

bench: setup  ## benchmarks: print figures and ratios (see bench/)
	$(PY) bench/run_all.py

bench-city: setup  ## the whole run at 1M and 10M sessions (about an hour; bench/results/run.md)
	$(PY) bench/bench_run.py --sizes 1m,10m --keep .bench-data

bench-engines: setup  ## the first full run with DuckDB and with Spark at 100k and 1M (bench/results/engines.md)
	$(PY) bench/bench_engines.py --sizes 100k,1m --keep .bench-data

lint: setup  ## ruff
	$(VENV)/bin/ruff check .

lock:  ## re-resolve requirements.txt from the top-level packages
	rm -rf /tmp/lock-venv && python3 -m venv /tmp/lock-venv
	/tmp/lock-venv/bin/pip install -q -r requirements.in
	/tmp/lock-venv/bin/pip freeze > requirements.txt

lock-bi:  ## re-resolve bi/requirements.txt from bi/requirements.in
	rm -rf /tmp/lock-venv-bi && python3 -m venv /tmp/lock-venv-bi
	/tmp/lock-venv-bi/bin/pip install -q -r bi/requirements.in
	/tmp/lock-venv-bi/bin/pip freeze > bi/requirements.txt

clean:  ## remove the built warehouse, reports and demo data
	rm -rf warehouse.duckdb* .warehouse reports demo airflow_home
