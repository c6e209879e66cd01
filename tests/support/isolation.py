"""Per-xdist-worker isolation: its own Redis database and its own Celery queue (broker key) names.

Loaded as a pytest plugin (`-p tests.support.isolation` in pyproject.toml) because it must
rewrite REDIS_URL before pytest-django imports the settings, which happens before any
conftest.py is read. xdist sets PYTEST_XDIST_WORKER in each worker's environment before
that, so worker gwN moves to database <the URL's database> + N. The Celery processes the
tests start inherit the rewritten URL and the same broker key prefix (tests/support/celery_main.py),
so an end-to-end test's worker consumes only the messages its own xdist worker sent.
"""

import os
from urllib.parse import urlsplit, urlunsplit

REDIS_DATABASES = 16  # redis.conf's default `databases`

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
# Every Redis key kombu writes (queues, unacked, bindings) starts with this: the broker-side
# queue names of one xdist worker never meet another's, even on a shared database.
BROKER_KEY_PREFIX = f"hubtest.{WORKER or 'main'}."


def worker_index() -> int:
    """Return this xdist worker's number (gw3 -> 3), 0 when not running under xdist."""
    return int(WORKER.removeprefix("gw")) if WORKER else 0


def redis_url_for_worker(url: str, index: int) -> str:
    """Return the URL with its database number moved up by the worker's index."""
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    database = base + index
    if database >= REDIS_DATABASES:
        raise RuntimeError(
            f"xdist worker {index} would need Redis database {database}; start from a lower database "
            f"in REDIS_URL or run fewer workers (-n)"
        )
    return urlunsplit(parts._replace(path=f"/{database}"))


def broker_key(queue: str) -> str:
    """Return the Redis key of a Celery queue for this xdist worker (what the broker really writes)."""
    return BROKER_KEY_PREFIX + queue


def apply_broker_key_prefix() -> None:
    """Make this process's Celery app write and read its broker keys under BROKER_KEY_PREFIX."""
    from django.conf import settings

    from config.celery_app import app

    options = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS, "global_keyprefix": BROKER_KEY_PREFIX}
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = options
    # The app reads Django settings under the CELERY namespace: a lower-case `broker_transport_options`
    # assignment would be shadowed by the namespaced key.
    app.conf.CELERY_BROKER_TRANSPORT_OPTIONS = options
    assert app.conf.broker_transport_options.get("global_keyprefix") == BROKER_KEY_PREFIX


if WORKER and os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = redis_url_for_worker(os.environ["REDIS_URL"], worker_index())
    if os.environ.get("CELERY_BROKER_URL"):
        os.environ["CELERY_BROKER_URL"] = redis_url_for_worker(os.environ["CELERY_BROKER_URL"], worker_index())


def pytest_configure(config) -> None:
    """Give the in-process Celery app (which enqueues on commit) this worker's broker key prefix."""
    apply_broker_key_prefix()
