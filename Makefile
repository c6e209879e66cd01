# Integration Hub — the README's commands. `make run` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Two stamps: `make run` installs only what the service needs at run time (requirements.txt);
# test, lint, fuzz and bench add the development tools (requirements-dev.txt) on top.
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test lint fmt fuzz bench venv venv-dev check-requirements migrate seed clean

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

## test: install, make sure PostgreSQL and Redis are reachable, run the suite
test: venv-dev
	scripts/with_services.sh $(PY) -m pytest $(PYTEST_ARGS)

## lint: ruff check, ruff format --check, makemigrations --check
lint: venv-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	env -u DATABASE_URL -u REDIS_URL $(PY) manage.py makemigrations --check --dry-run

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
