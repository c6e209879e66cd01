#!/usr/bin/env bash
# make run: migrate, seed the demo, and run web + Celery worker + beat until Ctrl-C.
# Embedded default (no DATABASE_URL/REDIS_URL): SQLite under var/ and a filesystem broker.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
# Exported: the demo seed points its webhook endpoint at this server's own receiver.
export HOST=${HOST:-127.0.0.1}
export PORT=${PORT:-8000}
mkdir -p var

$PY manage.py migrate --noinput >var/migrate.log
$PY manage.py collectstatic --noinput >/dev/null
CREDS=$($PY manage.py seed_demo)

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

.venv/bin/celery -A config worker --loglevel=INFO --concurrency=${WORKER_CONCURRENCY:-2} >var/worker.log 2>&1 &
pids+=($!)
.venv/bin/celery -A config beat --loglevel=INFO --pidfile= >var/beat.log 2>&1 &
pids+=($!)
# Kafka sinks and sources (docs/events.md): both idle while no sink or source is configured.
$PY manage.py stream_relay >var/stream_relay.log 2>&1 &
pids+=($!)
$PY manage.py stream_consume >var/stream_consume.log 2>&1 &
pids+=($!)

$PY - "$CREDS" "$HOST" "$PORT" <<'PYEOF'
import json, sys
creds, host, port = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
base = f"http://{host}:{port}"
print(f"""
Integration Hub is starting at {base}
  Admin:       {base}/admin/   operator {creds['operator']['username']} / {creds['operator']['password']}
  API docs:    {base}/api/docs/   (schema: {base}/api/schema/)
  Health:      {base}/api/v1/monitoring/health
  Demo owner:  {creds['owner']['username']} / {creds['owner']['password']}  (company "{creds['company']}")
  Demo API key (all scopes): {creds['apiKey']}
  Try: curl -H 'X-API-Key: {creds['apiKey']}' {base}/api/v1/auth/me/
Worker and beat logs: var/worker.log, var/beat.log. Credentials are kept in {creds.get("file", "var/demo_credentials.json")}.
""", flush=True)
PYEOF

if [ -n "${DATABASE_URL:-}" ] && [ -n "${REDIS_URL:-}" ]; then
  # Threads let a worker overlap waits on PostgreSQL commits and Redis with other requests.
  # config/gunicorn_conf.py: request limits, and gunicorn's own errors answered in the JSON envelope.
  .venv/bin/gunicorn -c config/gunicorn_conf.py config.wsgi --bind "$HOST:$PORT" --workers ${WEB_CONCURRENCY:-3} --threads ${WEB_THREADS:-4} --access-logfile - &
else
  $PY manage.py runserver --insecure --noreload "$HOST:$PORT" &
fi
pids+=($!)
wait -n "${pids[@]}"
