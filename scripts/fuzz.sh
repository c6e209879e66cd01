#!/usr/bin/env bash
# make fuzz: schemathesis against the live schema of a gunicorn server on loopback, once
# authenticated with the demo API key (every scope) over the operations a key may call, and
# once with the demo owner's JWT over all of them (API-key management and webhook secrets are
# for owners and admins signed in with a JWT). scripts/fuzz_seed.py creates real rows first and
# schemathesis.toml hands their ids to the operations that take them.
# Needs DATABASE_URL and REDIS_URL (scripts/with_services.sh provides them); uses its own
# database "<name>_fuzz" so development data is untouched. Extra args go to schemathesis,
# e.g. FUZZ_ARGS="--max-examples 5" for the bounded CI run.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DATABASE_URL="${DATABASE_URL%/*}/$(basename "${DATABASE_URL%%\?*}")_fuzz"
export VAR_DIR=$(mktemp -d /tmp/hub-fuzz.XXXXXX)
export RATE_LIMIT_ENABLED=false   # fuzzing explores inputs, not the limiter
PORT=$($PY -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")

$PY - <<'PYEOF'
import os, psycopg, dj_database_url
cfg = dj_database_url.parse(os.environ["DATABASE_URL"])
with psycopg.connect(host=cfg["HOST"], port=cfg["PORT"] or 5432, user=cfg["USER"], password=cfg["PASSWORD"] or None,
                     dbname="postgres", autocommit=True) as conn:
    conn.execute(f'DROP DATABASE IF EXISTS "{cfg["NAME"]}" WITH (FORCE)')
    conn.execute(f'CREATE DATABASE "{cfg["NAME"]}"')
PYEOF
$PY manage.py migrate --noinput -v0
CREDS=$($PY manage.py seed_demo | tail -1)
KEY=$(echo "$CREDS" | $PY -c "import json,sys; print(json.load(sys.stdin)['apiKey'])")
export FUZZ_OWNER_USERNAME=$(echo "$CREDS" | $PY -c "import json,sys; print(json.load(sys.stdin)['owner']['username'])")
export FUZZ_OWNER_PASSWORD=$(echo "$CREDS" | $PY -c "import json,sys; print(json.load(sys.stdin)['owner']['password'])")
SEEDED=$($PY scripts/fuzz_seed.py)
echo "$SEEDED" | sed 's/^export /seeded: /' >&2
eval "$SEEDED"

.venv/bin/gunicorn config.wsgi --bind 127.0.0.1:$PORT --workers 2 --log-level warning &
GPID=$!
# A worker too, so the health check (and anything enqueued) behaves as in production.
.venv/bin/celery -A config worker -B -c 1 --loglevel=WARNING >"$VAR_DIR/worker.log" 2>&1 &
WPID=$!
trap 'kill $GPID $WPID 2>/dev/null || true; wait 2>/dev/null; rm -rf "$VAR_DIR"' EXIT
for _ in $(seq 150); do curl -sf "http://127.0.0.1:$PORT/api/v1/monitoring/health" >/dev/null && break; sleep 0.2; done

JWT=$(echo "$CREDS" | $PY -c "
import json, sys, urllib.request
c = json.load(sys.stdin)
req = urllib.request.Request('http://127.0.0.1:$PORT/api/v1/auth/token/', method='POST',
    data=json.dumps({'username': c['owner']['username'], 'password': c['owner']['password']}).encode(),
    headers={'Content-Type': 'application/json'})
print(json.load(urllib.request.urlopen(req))['access'])")

SCHEMA="http://127.0.0.1:$PORT/api/schema/?format=json"
CHECKS=not_a_server_error,response_schema_conformance,content_type_conformance
# Each run names its credential as the schema's security scheme (not a bare -H header): told only
# "Authorization: Bearer", schemathesis still fills the other scheme's X-API-Key with generated
# junk, which the hub rightly refuses with 401, so the JWT run never reached the handlers.
export FUZZ_API_KEY=$KEY FUZZ_JWT=$JWT
run_with() {  # run_with <scheme> <setting> <value variable> [schemathesis args...]
  local config="$VAR_DIR/schemathesis-$1.toml"
  { cat schemathesis.toml; printf '\n[auth.openapi.%s]\n%s = "${%s}"\n' "$1" "$2" "$3"; } >"$config"
  shift 3
  .venv/bin/schemathesis --config-file "$config" run "$SCHEMA" --checks $CHECKS --workers 1 "$@"
}
rc=0
# Operations only a person may call (IsCompanyManager): the key run leaves them to the JWT run.
MANAGER_ONLY='^/api/v1/(api-keys/|webhooks/\{id\}/secret/)'
echo "== schemathesis with the demo API key" >&2
run_with ApiKeyAuth api_key FUZZ_API_KEY --exclude-path-regex "$MANAGER_ONLY" "$@" || rc=$?
echo "== schemathesis with the demo owner's JWT" >&2
run_with jwtAuth bearer FUZZ_JWT "$@" || rc=$?
exit $rc
