"""Health of the parts the hub needs: database, cache/Redis, broker and a live worker (monitoring/health)."""

import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

HEARTBEAT_CACHE_KEY = "health:worker-heartbeat"

# When this process began serving (config/wsgi.py); None outside a web server (tests, shells).
_serving_since: float | None = None


def serving_started() -> None:
    """Note that the web server starts now: until a heartbeat can have arrived, no worker is not down."""
    global _serving_since
    _serving_since = time.monotonic()


def _starting_up() -> bool:
    """Return whether the server started less than WORKER_HEARTBEAT_MAX_AGE ago (workers boot beside it)."""
    return _serving_since is not None and time.monotonic() - _serving_since < settings.WORKER_HEARTBEAT_MAX_AGE


class StartingUp(Exception):
    """A component that is not up yet, within the start-up grace period: reported, not counted as down."""


def worker_heartbeat_record() -> None:
    """Note that a worker is alive (called by a beat task and when a worker starts)."""
    cache.set(HEARTBEAT_CACHE_KEY, time.time(), timeout=settings.WORKER_HEARTBEAT_MAX_AGE * 10)


def _timed(check: Callable[[], str | None]) -> dict:
    started = time.perf_counter()
    try:
        detail = check()
        result = {"status": "up"}
        if detail:
            result["detail"] = detail
    except StartingUp as exc:
        result = {"status": "starting", "detail": str(exc)}
    except Exception as exc:  # a health check reports failures, it never raises
        result = {"status": "down", "error": f"{type(exc).__name__}: {str(exc)[:200]}"}
    result["latencyMs"] = round((time.perf_counter() - started) * 1000, 2)
    return result


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> str:
    from accounts.redis_client import get_redis

    client = get_redis()
    if client is not None:
        client.ping()
        return "redis"
    cache.set("health:probe", "1", timeout=10)
    if cache.get("health:probe") != "1":
        raise RuntimeError("cache did not return the probe value")
    return "file cache (embedded mode)"


def _broker() -> str:
    from config.celery_app import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        return conn.transport_cls if isinstance(conn.transport_cls, str) else conn.transport_cls.__name__


def _worker() -> str:
    beat = cache.get(HEARTBEAT_CACHE_KEY)
    if beat is None:
        if _starting_up():
            raise StartingUp("the server just started; waiting for the first worker heartbeat")
        raise RuntimeError("no worker heartbeat yet")
    age = time.time() - float(beat)
    if age > settings.WORKER_HEARTBEAT_MAX_AGE:
        raise RuntimeError(f"last worker heartbeat {int(age)} s ago")
    return f"last heartbeat {age:.0f} s ago"


def health_report() -> tuple[bool, dict]:
    """Return (all up, report) with each component's status and latency."""
    checks = {"database": _database, "cache": _cache, "broker": _broker, "worker": _worker}
    components = {name: _timed(fn) for name, fn in checks.items()}
    down = [name for name, c in components.items() if c["status"] == "down"]
    starting = any(c["status"] == "starting" for c in components.values())
    report = {
        "status": "degraded" if down else ("starting" if starting else "ok"),
        "timestamp": timezone.now(),
        "components": components,
    }
    if down:
        report["down"] = down
    return not down, report
