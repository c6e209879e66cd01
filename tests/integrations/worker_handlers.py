"""Loaded into the e2e Celery worker (--include): a handler that fails once, then succeeds."""

from accounts.redis_client import get_redis
from integrations.inbound.registry import InboundMessage, register_inbound_handler


def flaky_order_handler(message: InboundMessage) -> None:
    attempts = get_redis().incr(f"test:inbound:{message.id}")
    if attempts == 1:
        raise ConnectionError("the downstream service timed out")


register_inbound_handler("generic", "order.flaky", flaky_order_handler)
