"""Shared benchmark plumbing: a bench database, gunicorn on loopback, and a load generator.

Benchmarks run against real PostgreSQL and Redis (DATABASE_URL / REDIS_URL, as `make bench`
provides), print progress to stderr and exactly one JSON line on stdout.
"""

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def log(*args: object) -> None:
    print(*args, file=sys.stderr, flush=True)


def emit(result: dict) -> None:
    """Print the benchmark's one JSON line."""
    print(json.dumps(result), flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def use_bench_database(suffix: str) -> str:
    """Point DATABASE_URL at a fresh `<db>_<suffix>` database, migrate it, and return the URL."""
    import dj_database_url
    import psycopg

    base = os.environ.get("DATABASE_URL")
    if not base or not os.environ.get("REDIS_URL"):
        sys.exit("benchmarks need DATABASE_URL and REDIS_URL (run them with `make bench`)")
    cfg = dj_database_url.parse(base)
    name = f"{cfg['NAME']}_{suffix}"
    with psycopg.connect(
        host=cfg["HOST"],
        port=cfg["PORT"] or 5432,
        user=cfg["USER"],
        password=cfg["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = base.rsplit("/", 1)[0] + f"/{name}"
    os.environ["DATABASE_URL"] = url
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, check=True)
    return url


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


class Gunicorn:
    """gunicorn serving the project on a loopback port for the duration of a `with` block."""

    def __init__(self, *, workers: int = 2, env: dict | None = None, args: list[str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.env = {**os.environ, **(env or {})}
        self.args = args or []

    def __enter__(self) -> "Gunicorn":
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--log-level",
            "warning",
            "--backlog",
            "2048",
            *self.args,
        ]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def _load_worker(args: tuple) -> tuple[int, int, list[float]]:
    port, method, path, headers, body, duration, threads = args
    ok = errors = 0
    latencies: list[float] = []
    lock = threading.Lock()
    stop_at = time.perf_counter() + duration

    def run() -> None:
        nonlocal ok, errors
        local_ok = local_err = 0
        local_lat: list[float] = []
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            try:
                payload = body() if callable(body) else body
                conn.request(method, path, body=payload, headers=headers)
                response = conn.getresponse()
                response.read()
                if 200 <= response.status < 300:
                    local_ok += 1
                    local_lat.append(time.perf_counter() - started)
                else:
                    local_err += 1
                if response.getheader("Connection", "").lower() == "close" or response.will_close:
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            except (OSError, http.client.HTTPException):
                local_err += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        with lock:
            ok += local_ok
            errors += local_err
            latencies.extend(local_lat)

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return ok, errors, latencies


def load(
    port: int,
    path: str,
    *,
    method: str = "GET",
    headers: dict | None = None,
    body=None,
    duration: float = 8.0,
    processes: int = 2,
    threads: int = 4,
) -> dict:
    """Drive the server for `duration` seconds; return rps (2xx only), errors and latency percentiles."""
    ctx = get_context("fork")
    args = (port, method, path, headers or {}, body, duration, threads)
    started = time.perf_counter()
    with ctx.Pool(processes) as pool:
        results = pool.map(_load_worker, [args] * processes)
    elapsed = time.perf_counter() - started
    ok = sum(r[0] for r in results)
    errors = sum(r[1] for r in results)
    lat = sorted(x for r in results for x in r[2])

    def pct(p: float) -> float:
        return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 2) if lat else 0.0

    return {
        "ok": ok,
        "errors": errors,
        "rps": round(ok / elapsed, 1),
        "p50_ms": pct(0.5),
        "p99_ms": pct(0.99),
        "mean_ms": round(statistics.fmean(lat) * 1000, 2) if lat else 0.0,
    }
