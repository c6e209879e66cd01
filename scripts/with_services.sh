#!/usr/bin/env bash
# Run a command with PostgreSQL and Redis reachable, exporting DATABASE_URL and REDIS_URL.
# Order: the variables when set; else the servers on the standard local ports; else
# throwaway instances started from installed binaries (stopped on exit); else say how to
# install them and fail.
# With OWN_REDIS=1 (make test) and no REDIS_URL, a throwaway Redis on a free port comes first:
# the suite gives each xdist worker a database of its own and empties it, which must never
# be a database of a shared server that other programs use.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
RUN_DIR=${SERVICES_DIR:-$(pwd)/var/services}
started=()

cleanup() {
  for s in "${started[@]}"; do
    case $s in
      pg:*) pgdata=${s#pg:}; as_pg_user "$PG_BIN/pg_ctl" -D "$pgdata" -m fast stop >/dev/null 2>&1 || true ;;
      redis:*) kill "${s#redis:}" 2>/dev/null || true ;;
    esac
  done
}
trap cleanup EXIT

can_connect_pg() {
  "$PY" - "$1" <<'PYEOF' >/dev/null 2>&1
import sys, psycopg, dj_database_url
cfg = dj_database_url.parse(sys.argv[1])
psycopg.connect(host=cfg["HOST"] or None, port=cfg["PORT"] or None, user=cfg["USER"] or None,
                password=cfg["PASSWORD"] or None, dbname="postgres", connect_timeout=3).close()
PYEOF
}

can_ping_redis() {
  "$PY" -c "import sys, redis; redis.Redis.from_url(sys.argv[1], socket_connect_timeout=2).ping()" "$1" >/dev/null 2>&1
}

as_pg_user() {
  if [ "$(id -u)" = "0" ]; then
    local user=postgres
    id "$user" >/dev/null 2>&1 || user=nobody
    runuser -u "$user" -- "$@"
  else
    "$@"
  fi
}

if [ -z "${DATABASE_URL:-}" ]; then
  candidate="postgres://postgres@127.0.0.1:5432/hub"
  if can_connect_pg "$candidate"; then
    export DATABASE_URL=$candidate
  else
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
    if [ -z "$PG_BIN" ] && command -v initdb >/dev/null; then PG_BIN=$(dirname "$(command -v initdb)"); fi
    if [ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ]; then
      pgdata=$(mktemp -d /tmp/hub-pg.XXXXXX)
      [ "$(id -u)" = "0" ] && chown "$(id -u postgres 2>/dev/null || id -u nobody)" "$pgdata"
      as_pg_user "$PG_BIN/initdb" -D "$pgdata" -U postgres --auth=trust >/dev/null
      as_pg_user "$PG_BIN/pg_ctl" -D "$pgdata" -o "-p 55432 -k $pgdata -c listen_addresses=127.0.0.1" -w start >/dev/null
      started+=("pg:$pgdata")
      export DATABASE_URL="postgres://postgres@127.0.0.1:55432/hub"
      echo "Started a throwaway PostgreSQL on 127.0.0.1:55432 ($pgdata)" >&2
    else
      cat >&2 <<'MSG'
PostgreSQL is not reachable and not installed. Install and start it, e.g. on Debian/Ubuntu:
  sudo apt-get install -y postgresql && sudo pg_ctlcluster $(ls /etc/postgresql) main start
or point DATABASE_URL at a server: export DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/hub
MSG
      exit 1
    fi
  fi
fi

start_redis() {
  local port=$1
  mkdir -p "$RUN_DIR"
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
    >"$RUN_DIR/redis-$port.log" 2>&1 &
  started+=("redis:$!")
  export REDIS_URL="redis://127.0.0.1:$port/0"
  for _ in $(seq 50); do can_ping_redis "$REDIS_URL" && break; sleep 0.1; done
  can_ping_redis "$REDIS_URL" || { echo "The throwaway Redis did not start; see $RUN_DIR/redis-$port.log" >&2; exit 1; }
  echo "Started a throwaway Redis on 127.0.0.1:$port" >&2
}

if [ -z "${REDIS_URL:-}" ]; then
  candidate="redis://127.0.0.1:6379/0"
  if [ "${OWN_REDIS:-}" = "1" ] && command -v redis-server >/dev/null; then
    start_redis "$("$PY" -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")"
  elif can_ping_redis "$candidate"; then
    export REDIS_URL=$candidate
  elif command -v redis-server >/dev/null; then
    start_redis 56379
  else
    cat >&2 <<'MSG'
Redis is not reachable and not installed. Install and start it, e.g. on Debian/Ubuntu:
  sudo apt-get install -y redis-server && redis-server --daemonize yes
or point REDIS_URL at a server: export REDIS_URL=redis://HOST:6379/0
MSG
    exit 1
  fi
fi

"$@"
