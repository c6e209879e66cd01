#!/usr/bin/env bash
# Prove requirements.txt alone runs the service: a clean virtualenv (no system site-packages),
# `pip install -r requirements.txt`, every third-party import of the service's code, `manage.py
# check`, and a Celery worker started with the embedded settings until it logs "ready".
# pip's cache and the configured wheel sources keep the install to well under a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/hub-requirements.XXXXXX")
worker=""
cleanup() {
  if [ -n "$worker" ]; then kill "$worker" 2>/dev/null || true; wait "$worker" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

"$PYTHON" -m venv "$WORK/venv"
PY="$WORK/venv/bin/python"
"$PY" -m pip install --quiet -r requirements.txt
"$PY" scripts/check_imports.py

# The embedded default: no DATABASE_URL or REDIS_URL, and a var/ of its own.
export VAR_DIR="$WORK/var"
unset DATABASE_URL REDIS_URL
"$PY" manage.py check
"$PY" manage.py migrate --noinput >/dev/null

"$WORK/venv/bin/celery" -A config worker --loglevel=INFO --concurrency=1 --without-mingle --without-gossip \
  >"$WORK/worker.log" 2>&1 &
worker=$!
for _ in $(seq 1 600); do
  if grep -q "ready\." "$WORK/worker.log"; then
    echo "requirements.txt: clean install, manage.py check and a Celery worker start all succeed."
    exit 0
  fi
  if ! kill -0 "$worker" 2>/dev/null; then break; fi
  sleep 0.1
done
echo "The Celery worker did not become ready; its log:" >&2
cat "$WORK/worker.log" >&2
exit 1
