"""Other destinations of the transactional outbox: callbacks that write their own outbox rows on publish.

Webhook deliveries are the pipeline's built-in destination. Another app (the streaming app's
Kafka sinks) attaches a callback here from its AppConfig.ready; `event_publish` calls every
callback inside the publisher's transaction, after the delivery rows are written, so a
rolled-back change leaves nothing in any outbox. This module imports no other app.
"""

from collections.abc import Callable

from webhooks.models import Event

_destinations: list[Callable[[Event], None]] = []


def register_destination(write: Callable[[Event], None]) -> None:
    """Attach `write(event)`, called in the publishing transaction for every new event (idempotent)."""
    if write not in _destinations:
        _destinations.append(write)


def destinations_write(event: Event) -> None:
    """Let every attached destination write its outbox rows for a new event (in the caller's transaction)."""
    for write in _destinations:
        write(event)
