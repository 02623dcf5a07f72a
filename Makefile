# つながりナビ: the same targets locally and in CI.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
RASA := $(BIN)/rasa
MODEL := models/tsunagari.tar.gz
# The plain Rasa bot `make bench` compares against (benchmarks/baseline); not in models/,
# where `rasa run -m models` would take the newest file.
BASELINE_MODEL := benchmarks/baseline/models/baseline.tar.gz
BASELINE_INPUTS := $(shell find benchmarks/baseline -name '*.yml' 2>/dev/null | sort)
TRAIN_INPUTS := config.yml domain.yml $(shell find data components tests/safety tsunagari/safety -name '*.yml' -o -name '*.py' 2>/dev/null | sort)
export PYTHONPATH := $(CURDIR)
export PYTHONIOENCODING := utf-8
export LANG := C.UTF-8
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
# Nothing leaves the machine: no Rasa telemetry, no Sentry error reports.
export RASA_TELEMETRY_ENABLED := false

.PHONY: setup system-deps lint train run cluster shell replay test test-unit test-data test-stories test-model test-e2e bench loadtest lock clean

## setup: create .venv with Python 3.10 and install the lock (quick when nothing changed)
setup: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	@test -x $(BIN)/python || $$(scripts/find-python.sh) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==24.0" "setuptools==70.3.0" "wheel==0.45.1"
	$(BIN)/python -m pip install --quiet --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	RASA_TELEMETRY_ENABLED=false $(RASA) telemetry disable >/dev/null
	@touch $@

## system-deps: Chromium, Node.js and Noto CJK for the tests (installs them as root with apt, else names the command)
system-deps:
	scripts/system-deps.sh

## lint: ruff check and ruff format --check (rules in pyproject.toml)
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## train: train only when data, domain, config or components changed
train: $(MODEL)

$(MODEL): $(VENV)/.installed $(TRAIN_INPUTS)
	$(RASA) train --fixed-model-name tsunagari --out models
	@touch $@

## run: start the action server and the Rasa server (REST, socket.io, web chat; API behind a token)
RASA_ARGS ?=
run: train
	$(BIN)/tsunagari directory init
	scripts/run.sh $(RASA_ARGS)

## cluster: 2 Rasa instances + 2 action servers behind nginx (PostgreSQL tracker store, Redis locks); Ctrl-C stops all
CLUSTER_ARGS ?=
cluster: train system-deps
	$(BIN)/tsunagari directory init
	$(BIN)/python scripts/cluster.py $(CLUSTER_ARGS)

## shell: the staff testing shell (rasa shell with the action server running)
shell: train
	$(BIN)/tsunagari directory init
	scripts/shell.sh

## replay: replay a YAML conversation script, showing intent, confidence and slots per turn
SCRIPT ?= conversations/sample.yml
replay: train
	$(BIN)/tsunagari directory init
	$(BIN)/python scripts/replay.py $(SCRIPT)

## test: lint, then every test (unit, data validation, test stories, held-out NLU, end-to-end)
test: lint test-unit test-data test-stories test-model test-e2e

test-unit: setup system-deps
	$(BIN)/python -m pytest -q tests/unit tests/directory tests/actions tests/reports tests/privacy tests/tracker_store tests/lock_store

test-data: setup
	$(RASA) data validate --fail-on-warnings

test-stories: train
	$(RASA) test core --stories tests/stories --model $(MODEL) --out results/core --fail-on-prediction-errors

test-model: train
	$(BIN)/python -m pytest -q tests/model

test-e2e: train system-deps
	$(BIN)/python -m pytest -q tests/channels tests/browser tests/service tests/cluster

## bench: start-up time, memory, REST round trips against a plain Rasa baseline, directory lookups, monthly report build
bench: train $(BASELINE_MODEL)
	$(BIN)/tsunagari directory init
	$(BIN)/python benchmarks/bench_server.py
	$(BIN)/python benchmarks/bench_lookup.py
	$(BIN)/python benchmarks/bench_risk.py
	$(BIN)/python benchmarks/bench_report.py
	$(BIN)/python benchmarks/bench_tracker_store.py
	$(BIN)/python benchmarks/bench_lock_race.py

$(BASELINE_MODEL): $(VENV)/.installed $(BASELINE_INPUTS)
	cd benchmarks/baseline && $(CURDIR)/$(RASA) train --fixed-model-name baseline --out models
	@touch $@

## loadtest: Locust (own venv), LOADTEST_USERS residents for LOADTEST_SECONDS against 1 instance and a
## 2-instance cluster (SIGKILL halfway), then every conversation checked in the tracker store; not in make test
LOADTEST_VENV := .venv-loadtest
LOADTEST_USERS ?= 200
LOADTEST_SECONDS ?= 60
loadtest: train system-deps $(LOADTEST_VENV)/.installed
	$(BIN)/tsunagari directory init
	LOADTEST_USERS=$(LOADTEST_USERS) LOADTEST_SECONDS=$(LOADTEST_SECONDS) $(BIN)/python benchmarks/loadtest/run.py

# Locust needs gevent and its own pins: a separate venv from requirements-loadtest.lock (pinned by hand with pip freeze).
$(LOADTEST_VENV)/.installed: requirements-loadtest.lock
	@test -x $(LOADTEST_VENV)/bin/python || $$(scripts/find-python.sh) -m venv $(LOADTEST_VENV)
	$(LOADTEST_VENV)/bin/python -m pip install --quiet --upgrade "pip==24.0"
	$(LOADTEST_VENV)/bin/python -m pip install --quiet --no-deps -r requirements-loadtest.lock
	@touch $@

## lock: re-pin every transitive version from requirements.in
lock:
	$(BIN)/python -m pip install --quiet -r requirements.in
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e ' > requirements.lock

clean:
	rm -rf models results artifacts benchmarks/baseline/models
