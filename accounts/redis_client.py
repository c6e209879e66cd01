"""The process's Redis connection (production mode), or None in the embedded mode."""

from functools import cache

import redis
from django.conf import settings


@cache
def get_redis() -> redis.Redis | None:
    """Return a shared Redis client, or None when REDIS_URL is not set."""
    if not settings.REDIS_URL:
        return None
    return redis.Redis.from_url(
        settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2, health_check_interval=30
    )
