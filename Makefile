# Integration Hub — the README's commands. `make run` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint fmt fuzz bench venv migrate seed clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

## run: install, migrate, seed demo data, start web + Celery worker + beat (embedded default)
run: venv
	scripts/run.sh

## test: install, make sure PostgreSQL and Redis are reachable, run the suite
test: venv
	scripts/with_services.sh $(PY) -m pytest $(PYTEST_ARGS)

## lint: ruff check, ruff format --check, makemigrations --check
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	env -u DATABASE_URL -u REDIS_URL $(PY) manage.py makemigrations --check --dry-run

fmt: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## fuzz: schemathesis against the live schema, authenticated with a demo key and a JWT
fuzz: venv
	scripts/with_services.sh scripts/fuzz.sh $(FUZZ_ARGS)

## bench: every benchmark under bench/, each printing one JSON line
bench: venv
	scripts/with_services.sh sh -c 'for b in bench/*.py; do $(PY) $$b; done'

clean:
	rm -rf var/broker var/cache var/*.sqlite3* var/*.log var/*.pid
