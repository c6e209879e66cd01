"""Requests/s of a trivial endpoint behind API-key auth + rate limiting vs the same endpoint open.

Both variants run in the same gunicorn (2 x cores + 1 sync workers) on loopback, against PostgreSQL and
Redis, alternating A/B/A/B so drift hits both equally; the best of each is reported.
Goal: ratio >= 0.85.   Run: make bench  (or scripts/with_services.sh .venv/bin/python bench/auth_overhead.py)
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import Gunicorn, django_setup, emit, load, log, use_bench_database  # noqa: E402

DURATION = float(os.environ.get("BENCH_DURATION", "8"))
# gunicorn's usual 2 x cores + 1 sync workers, so one worker's wait on Redis overlaps another's work.
GUNICORN_WORKERS = int(os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))


def main() -> None:
    use_bench_database("bench_auth")
    django_setup()
    from accounts import services
    from accounts.redis_client import get_redis

    company = services.company_create(name="Bench Co", slug="bench")
    # The API caps keys at 1000/min; the bench key is made directly with a limit it never
    # reaches, so every request still runs the limiter script but none is refused.
    _, raw = services.api_key_create(company=company, name="bench", scopes=["orders:read"], rate_limit=10**9)
    get_redis().flushdb()
    env = {"ROOT_URLCONF": "bench.urls_auth_overhead"}
    runs: dict[str, list[dict]] = {"authed": [], "open": []}
    with Gunicorn(workers=GUNICORN_WORKERS, env=env) as server:
        load(server.port, "/bench/open", duration=2)  # warm up both paths
        load(server.port, "/bench/authed", headers={"X-API-Key": raw}, duration=2)
        for _ in range(2):
            for name, headers in (("open", {}), ("authed", {"X-API-Key": raw})):
                result = load(server.port, f"/bench/{name}", headers=headers, duration=DURATION)
                log(name, result)
                runs[name].append(result)
    best = {name: max(results, key=lambda r: r["rps"]) for name, results in runs.items()}
    emit(
        {
            "bench": "auth_overhead",
            "rps": best["authed"]["rps"],
            "baseline_rps": best["open"]["rps"],
            "ratio": round(best["authed"]["rps"] / best["open"]["rps"], 3),
            "p50_ms": best["authed"]["p50_ms"],
            "baseline_p50_ms": best["open"]["p50_ms"],
            "errors": best["authed"]["errors"] + best["open"]["errors"],
        }
    )


if __name__ == "__main__":
    main()
