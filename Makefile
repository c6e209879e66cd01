# Integration Hub — the README's commands. `make run` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Two stamps: `make run` installs only what the service needs at run time (requirements.txt);
# test, lint, fuzz and bench add the development tools (requirements-dev.txt) on top.
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test test-fast typecheck-baseline lint fmt fuzz bench venv venv-dev check-requirements migrate seed clean

$(RUN_STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(RUN_STAMP)

$(DEV_STAMP): $(RUN_STAMP) requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(DEV_STAMP)

venv: $(RUN_STAMP)

venv-dev: $(DEV_STAMP)

## run: install requirements.txt, migrate, seed demo data, start web + Celery worker + beat (embedded default)
run: venv
	scripts/run.sh

# The suite runs in parallel: one xdist worker per core, each with its own test database,
# Redis database and Celery broker keys (tests/support/isolation.py); a test file stays on
# one worker so module-scoped workers and servers start once. TEST_WORKERS=0 runs serially.
TEST_WORKERS ?= auto
PYTEST_PARALLEL := -n $(TEST_WORKERS) --dist loadfile

## test: install, make sure PostgreSQL and Redis are reachable, run the suite in parallel
test: venv-dev
	OWN_REDIS=1 scripts/with_services.sh $(PY) -m pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS)

## test-fast: the suite without the end-to-end tests (real worker processes and servers)
test-fast: venv-dev
	OWN_REDIS=1 scripts/with_services.sh $(PY) -m pytest $(PYTEST_PARALLEL) -m "not e2e" $(PYTEST_ARGS)

## lint: ruff check, ruff format --check, makemigrations --check, mypy against its recorded baseline
lint: venv-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	env -u DATABASE_URL -u REDIS_URL $(PY) manage.py makemigrations --check --dry-run
	$(PY) scripts/typecheck.py

## typecheck-baseline: record mypy's current errors as the baseline (only after fixing some)
typecheck-baseline: venv-dev
	$(PY) scripts/typecheck.py --update

fmt: venv-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## fuzz: schemathesis against the live schema, authenticated with a demo key and a JWT
fuzz: venv-dev
	scripts/with_services.sh scripts/fuzz.sh $(FUZZ_ARGS)

## bench: every benchmark under bench/, each printing one JSON line
bench: venv-dev
	scripts/with_services.sh sh -c 'for b in bench/*.py; do $(PY) $$b; done'

## check-requirements: a clean virtualenv from requirements.txt alone runs manage.py check and a worker
check-requirements:
	scripts/check_requirements.sh

clean:
	rm -rf var/broker var/cache var/*.sqlite3* var/*.log var/*.pid
