"""Integration logs at 10M rows: endpoint and bare-SQL latencies, and inserts during retention.

Usage (PostgreSQL and Redis running; DATABASE_URL names the server, its database is not used):
    .venv/bin/python bench/logs_at_scale.py [--rows 10000000] [--companies 50] [--days 90]
        [--db hub_logs_bench] [--iterations 100] [--load-only] [--reload]

Steps: (1) create the dedicated database and migrate it; (2) load the rows with
INSERT ... SELECT generate_series (server-side, the COPY equivalent: no row crosses the
wire), in resumable chunks with the secondary indexes dropped and rebuilt after, then
VACUUM ANALYZE; a complete load is recorded in a meta table and skipped next time;
(3) start gunicorn on loopback and call each endpoint through HTTP with an API key,
(4) time the very SQL each endpoint issued (captured in-process) on a bare psycopg
connection, (5) measure single-row insert latency of a concurrent writer while the
retention service removes the oldest day, then put that day back.
Progress goes to stderr; the last stdout line is one JSON object.
Rate limits are disabled in the benchmarked server (RATE_LIMIT_ENABLED=0): the seeds'
100/min would otherwise stop the repeated calls; every other part of the request runs.
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHUNK = 500_000
TABLE = "logs_integrationlog"


def log(msg: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


def db_url(base: str, name: str) -> str:
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def ensure_database(base_url: str, name: str) -> str:
    with psycopg.connect(db_url(base_url, "postgres"), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            log(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')
    return db_url(base_url, name)


def migrate(url: str) -> None:
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


# --- load --------------------------------------------------------------------------------------

# One chunk of rows i in [lo, hi): time-ordered over the span, a realistic mix of providers,
# operations and outcomes, ~5,000 products per company, JSON metadata on a third of the rows.
INSERT_SQL = f"""
INSERT INTO {TABLE} (company_id, integration_id, product_id, integration_type, operation, status, message,
                     error_details, external_product_id, external_sku, metadata, timestamp, user_id)
SELECT
  (%(companies)s::uuid[])[1 + (i %% %(ncompanies)s)],
  NULL,
  p,
  t,
  op,
  st,
  CASE st WHEN 'success' THEN initcap(op) || ' to ' || t || ' succeeded'
          WHEN 'pending' THEN initcap(op) || ' to ' || t || ' is pending'
          ELSE initcap(op) || ' to ' || t || ' failed: ' || err END,
  CASE WHEN st = 'error' THEN jsonb_build_object('error', err, 'code',
       CASE WHEN err = 'Connection timeout' THEN 'ECONNRESET' ELSE 'HTTP_' || (400 + (p %% 30)) END,
       'attempt', 1 + (i %% 3)) END,
  CASE t WHEN 'amazon' THEN 'B0' || lpad(p::text, 8, '0') WHEN 'shopify' THEN (7000000000 + p)::text
         ELSE (10000 + p)::text END,
  'SKU-' || lpad(p::text, 5, '0'),
  CASE WHEN r4 < 0.33 THEN jsonb_build_object('url', 'https://shop.example/products/' || p,
       'durationMs', (r4 * 3000)::int) END,
  %(t0)s::timestamptz + make_interval(secs => (i::float8 / %(n)s) * %(span)s),
  1 + (i %% 20)
FROM (
  SELECT i, 1 + (random() * 4999)::int AS p, r4,
    CASE WHEN r1 < 0.40 THEN 'woocommerce' WHEN r1 < 0.65 THEN 'shopify' WHEN r1 < 0.85 THEN 'amazon'
         WHEN r1 < 0.90 THEN 'ubereats' WHEN r1 < 0.94 THEN 'deliveroo' WHEN r1 < 0.97 THEN 'stripe'
         ELSE 'talabat' END AS t,
    CASE WHEN r2 < 0.35 THEN 'export' WHEN r2 < 0.55 THEN 'update' WHEN r2 < 0.70 THEN 'import'
         WHEN r2 < 0.80 THEN 'sync' WHEN r2 < 0.92 THEN 'webhook' ELSE 'delete' END AS op,
    CASE WHEN r3 < 0.90 THEN 'success' WHEN r3 < 0.97 THEN 'error' ELSE 'pending' END AS st,
    CASE WHEN r4 < 0.4 THEN 'Connection timeout' WHEN r4 < 0.7 THEN 'Rate limited by provider'
         WHEN r4 < 0.9 THEN 'Invalid product data' ELSE 'Authentication failed' END AS err
  FROM (SELECT i, random() r1, random() r2, random() r3, random() r4
        FROM generate_series(%(lo)s::bigint, %(hi)s::bigint - 1) AS i) AS g
) AS x
"""


def companies(n: int) -> list[str]:
    from accounts.models import Company

    ids = []
    for k in range(n):
        company, _ = Company.objects.get_or_create(slug=f"bench-{k:02d}", defaults={"name": f"Bench Company {k:02d}"})
        ids.append(str(company.id))
    return ids


def load(conn: psycopg.Connection, *, rows: int, ncompanies: int, days: int, reload: bool) -> dict:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS logs_bench_meta (id int PRIMARY KEY, rows bigint, companies int, days int,"
        " t0 timestamptz, loaded bigint, indexes jsonb, complete boolean)"
    )
    meta = conn.execute("SELECT rows, companies, days, t0, loaded, indexes, complete FROM logs_bench_meta").fetchone()
    wanted = (rows, ncompanies, days)
    if meta and not reload and meta[:3] == wanted and meta[6]:
        log(f"data already loaded ({rows:,} rows since {meta[3]:%Y-%m-%d}); skipping the load")
        return {"t0": meta[3], "span": days * 86400.0}
    ids = companies(ncompanies)
    if not meta or reload or meta[:3] != wanted:
        log("starting a fresh load")
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT LIKE %s",
            [TABLE, "%_pkey"],
        ).fetchall()
        if meta and meta[5] and not indexes:  # an earlier load stopped with the indexes dropped
            indexes = list(dict(meta[5]).items())
        t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=days)
        conn.execute("TRUNCATE " + TABLE)
        conn.execute("DELETE FROM logs_bench_meta")
        conn.execute(
            "INSERT INTO logs_bench_meta VALUES (1, %s, %s, %s, %s, 0, %s, false)",
            [rows, ncompanies, days, t0, json.dumps(dict(indexes))],
        )
        meta = (rows, ncompanies, days, t0, 0, dict(indexes), False)
    t0, loaded, indexes = meta[3], meta[4], dict(meta[5])
    for name in indexes:
        conn.execute(f'DROP INDEX IF EXISTS "{name}"')
    # The company foreign key's triggers are skipped: every id comes from accounts_company.
    conn.execute("SET session_replication_role = replica")
    started = time.monotonic()
    while loaded < rows:
        hi = min(loaded + CHUNK, rows)
        conn.execute(
            INSERT_SQL,
            {
                "companies": ids,
                "ncompanies": ncompanies,
                "t0": t0,
                "n": rows,
                "span": days * 86400.0,
                "lo": loaded,
                "hi": hi,
            },
        )
        conn.execute("UPDATE logs_bench_meta SET loaded = %s", [hi])
        loaded = hi
        rate = loaded / max(time.monotonic() - started, 1e-9)
        log(f"loaded {loaded:,}/{rows:,} rows ({rate:,.0f} rows/s)")
    conn.execute("SET session_replication_role = DEFAULT")
    conn.execute("SET maintenance_work_mem = '1GB'")
    for name, definition in indexes.items():
        log(f"building index {name}")
        conn.execute(definition.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1))
    log("VACUUM ANALYZE (visibility map for index-only scans, fresh statistics)")
    conn.execute("VACUUM ANALYZE " + TABLE)
    conn.execute("UPDATE logs_bench_meta SET complete = true")
    log(f"load done in {time.monotonic() - started:,.0f} s")
    return {"t0": t0, "span": days * 86400.0}


# --- measurement -------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return round(ordered[k], 2)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(url: str, port: int, extra_env: dict[str, str] | None = None) -> subprocess.Popen:
    env = {
        **os.environ,
        **(extra_env or {}),
        "DATABASE_URL": url,
        "RATE_LIMIT_ENABLED": "0",
        "DB_CONN_MAX_AGE": "600",
        "LOG_LEVEL": "WARNING",
    }
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--worker-class",
            "gthread",
            "--threads",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=sys.stderr,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/api/v1/monitoring/health", timeout=2)
            return proc
        except requests.ConnectionError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


def capture_sql(path: str, headers: dict[str, str]) -> list[str]:
    """Return the statements an endpoint runs against the log table (in-process, same code)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()})
    assert response.status_code == 200, (path, response.status_code, response.content[:300])
    return [q["sql"] for q in ctx.captured_queries if TABLE in q["sql"]]


def measure_reads(url: str, iterations: int, *, only: tuple[str, ...] = (), suffix: str = "", env=None) -> dict:
    from accounts import services as account_services
    from accounts.models import Company

    company = Company.objects.get(slug="bench-00")
    _, raw_key = account_services.api_key_create(
        company=company, name=f"bench {datetime.now(UTC):%H%M%S}", scopes=["logs:read"], rate_limit=1000
    )
    headers = {"X-API-Key": raw_key}
    since = (datetime.now(UTC) - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    with psycopg.connect(url) as conn:  # 20 products that have WooCommerce logs, spread over the catalogue
        products = [
            row[0]
            for row in conn.execute(
                f"SELECT DISTINCT product_id FROM {TABLE} WHERE company_id = %s AND integration_type = 'woocommerce'"  # noqa: S608
                " AND product_id %% 97 = 17 ORDER BY product_id LIMIT 20",
                [company.id],
            )
        ]
    products = (products * 20)[:20] if products else [17] * 20
    filt = "status=success&integrationType=woocommerce&sortBy=timestamp&sortOrder=desc&limit=20"
    queries = {
        "list_page1": lambda k: f"/api/v1/logs?{filt}&page=1",
        "list_page200": lambda k: f"/api/v1/logs?{filt}&page=200",
        "product": lambda k: f"/api/v1/logs/product/{products[k % 20]}",
        "external": lambda k: f"/api/v1/logs/external/woocommerce/{10000 + products[k % 20]}",
        "stats": lambda k: f"/api/v1/logs/stats?startDate={since}",
        "errors": lambda k: "/api/v1/logs/errors",
    }
    if only:
        queries = {name: make for name, make in queries.items() if name in only}
    port = free_port()
    log(f"starting gunicorn on 127.0.0.1:{port} {env or ''}")
    server = start_gunicorn(url, port, env)
    out: dict = {}
    try:
        session = requests.Session()
        session.headers.update(headers)
        base = f"http://127.0.0.1:{port}"
        bare = psycopg.connect(url, autocommit=True)
        for name, make in queries.items():
            for k in range(5):  # warm up the worker, its connection and the caches
                session.get(base + make(k), timeout=30).raise_for_status()
            times = []
            deadline = time.monotonic() + 120
            for k in range(iterations):
                if time.monotonic() > deadline:
                    break
                t = time.perf_counter()
                response = session.get(base + make(k), timeout=30)
                times.append((time.perf_counter() - t) * 1000)
                response.raise_for_status()
            statements = {k % 20: capture_sql(make(k), headers) for k in range(min(iterations, 20))}
            sql_times = []
            for k in range(len(times)):
                t = time.perf_counter()
                for statement in statements[k % len(statements)]:
                    bare.execute(statement).fetchall()
                sql_times.append((time.perf_counter() - t) * 1000)
            key = name + suffix
            out[f"{key}_p50_ms"] = pct(times, 50)
            out[f"{key}_p95_ms"] = pct(times, 95)
            out[f"{key}_sql_p95_ms"] = pct(sql_times, 95)
            out[f"{key}_ratio_p95"] = round(out[f"{key}_p95_ms"] / max(out[f"{key}_sql_p95_ms"], 0.01), 2)
            log(
                f"{key}: p50 {out[f'{key}_p50_ms']} ms, p95 {out[f'{key}_p95_ms']} ms, "
                f"bare SQL p95 {out[f'{key}_sql_p95_ms']} ms ({len(statements[0])} statements)"
            )
        bare.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    return out


def measure_admin() -> float:
    from django.contrib.auth import get_user_model
    from django.test import Client

    user, _ = get_user_model().objects.get_or_create(
        username="bench-operator", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    times = []
    for _ in range(5):
        t = time.perf_counter()
        response = client.get("/admin/logs/integrationlog/")
        times.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, response.status_code
    return round(max(times[1:]), 1)


def measure_retention(url: str, state: dict, rows: int, ncompanies: int, batch: int, pause_ms: int) -> dict:
    """Insert single rows (like log_record) while retention removes the oldest day; then restore it."""
    from django.conf import settings

    from logs.services import logs_retention_run

    with psycopg.connect(url, autocommit=True) as conn:
        oldest = conn.execute(f"SELECT min(timestamp) FROM {TABLE}").fetchone()[0]  # noqa: S608
        company_id = conn.execute("SELECT id FROM accounts_company WHERE slug = 'bench-00'").fetchone()[0]
    stop = threading.Event()
    latencies: list[tuple[float, float]] = []

    def writer() -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            writer_pid.append(conn.info.backend_pid)
            while not stop.is_set():
                t = time.perf_counter()
                conn.execute(
                    f"INSERT INTO {TABLE} (company_id, integration_type, operation, status, message, "  # noqa: S608
                    "external_product_id, external_sku, timestamp, metadata) "
                    "VALUES (%s, 'woocommerce', 'export', 'success', 'bench-writer', '1', 'SKU', now(), "
                    """'{"bench": true}')""",
                    [company_id],
                )
                latencies.append((time.monotonic(), (time.perf_counter() - t) * 1000))
                time.sleep(0.005)

    writer_pid: list[int] = []
    waits: list[str] = []

    def sampler() -> None:
        # Samples the writer's wait event: "Lock" would mean an insert waited on retention's locks.
        with psycopg.connect(url, autocommit=True) as conn:
            while not stop.is_set():
                if writer_pid:
                    row = conn.execute(
                        "SELECT wait_event_type, wait_event FROM pg_stat_activity WHERE pid = %s", writer_pid
                    ).fetchone()
                    if row and row[0]:
                        waits.append(f"{row[0]}:{row[1]}")
                time.sleep(0.002)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    threading.Thread(target=sampler, daemon=True).start()
    time.sleep(6)  # the writer's baseline, about as long as the retention run
    baseline = [ms for _, ms in latencies]
    waits.clear()
    started = time.monotonic()
    cutoff_now = oldest + timedelta(days=1) + timedelta(days=settings.LOG_RETENTION_DAYS)
    run = logs_retention_run(
        now=cutoff_now,
        days=settings.LOG_RETENTION_DAYS,
        batch_size=batch,
        pause_ms=pause_ms,
        max_seconds=900,
        archive_dir="",
    )
    ended = time.monotonic()
    stop.set()
    thread.join(timeout=10)
    during = [ms for at, ms in latencies if started <= at <= ended]
    lock_waits = sum(1 for w in waits if w.startswith("Lock"))
    log(f"writer wait events sampled during retention: {dict(Counter(waits))}")
    removed = run.integration_logs_deleted
    log(
        f"retention (batch {batch}, pause {pause_ms} ms) removed {removed:,} rows in {ended - started:.1f} s "
        f"({run.batches} batches, status {run.status}); "
        f"writer p99 {pct(during, 99)} ms, max {max(during, default=0):.1f} ms over {len(during)} inserts"
    )
    # Put the day back (the same generator over the removed rows' index range) and drop the writer's rows.
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DELETE FROM {TABLE} WHERE message = 'bench-writer'")  # noqa: S608
        if removed:
            log(f"restoring the removed day ({removed:,} rows)")
            conn.execute("SET session_replication_role = replica")
            conn.execute(
                INSERT_SQL,
                {
                    "companies": companies(ncompanies),
                    "ncompanies": ncompanies,
                    "t0": state["t0"],
                    "n": rows,
                    "span": state["span"],
                    "lo": 0,
                    "hi": removed,
                },
            )
            conn.execute(f"VACUUM ANALYZE {TABLE}")
    return {
        "retention_insert_p99_ms": pct(during, 99),
        "retention_insert_max_ms": round(max(during, default=0.0), 2),
        "retention_baseline_insert_p99_ms": pct(baseline, 99),
        "retention_baseline_insert_max_ms": round(max(baseline, default=0.0), 2),
        "retention_writer_lock_wait_samples": lock_waits,
        "retention_rows_removed": removed,
        "retention_seconds": round(ended - started, 2),
        "retention_batches": run.batches,
        "retention_batch_size": batch,
        "retention_pause_ms": pause_ms,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--companies", type=int, default=50)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--db", default="hub_logs_bench")
    parser.add_argument("--iterations", type=int, default=100)
    parser.add_argument("--load-only", action="store_true")
    parser.add_argument("--reload", action="store_true", help="drop the loaded rows and load again")
    parser.add_argument("--skip-reads", action="store_true", help="only the retention measurement")
    parser.add_argument("--retention-batch", type=int, default=None, help="default: LOG_RETENTION_BATCH_SIZE")
    parser.add_argument("--retention-pause-ms", type=int, default=None, help="default: LOG_RETENTION_BATCH_PAUSE_MS")
    args = parser.parse_args()

    base = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/1")
    url = ensure_database(base, args.db)
    migrate(url)
    os.environ["DATABASE_URL"] = url
    os.environ["RATE_LIMIT_ENABLED"] = "0"
    os.environ["LOG_REQUESTS_ENABLED"] = "0"  # the in-process capture must not write request logs
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()

    with psycopg.connect(url, autocommit=True) as conn:
        state = load(conn, rows=args.rows, ncompanies=args.companies, days=args.days, reload=args.reload)
        total = conn.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0]  # noqa: S608
    log(f"{total:,} rows in {TABLE}")
    if args.load_only:
        print(json.dumps({"bench": "logs_at_scale", "rows": total, "loaded": True}))
        return
    result: dict = {"bench": "logs_at_scale", "rows": total}
    if not args.skip_reads:
        result.update(measure_reads(url, args.iterations))
        # The same lists with every total counted exactly (no 5 s count cache), for comparison.
        result.update(
            measure_reads(
                url,
                args.iterations,
                only=("list_page1", "list_page200"),
                suffix="_exact_count",
                env={"LOG_LIST_COUNT_CACHE_SECONDS": "0"},
            )
        )
        result["admin_list_ms"] = measure_admin()
        log(f"admin change list: {result['admin_list_ms']} ms (slowest of 4 warm loads)")
    from django.conf import settings

    batch = args.retention_batch or settings.LOG_RETENTION_BATCH_SIZE
    pause = settings.LOG_RETENTION_BATCH_PAUSE_MS if args.retention_pause_ms is None else args.retention_pause_ms
    result.update(measure_retention(url, state, args.rows, args.companies, batch, pause))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
