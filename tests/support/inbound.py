"""Inbound processing without the receiver: run a provider topic's registered handlers on a payload."""

import uuid
from typing import Any

from django.utils import timezone

from integrations.inbound.registry import InboundMessage, handlers_for


def run_handlers(company, provider: str, topic: str, payload: Any, *, event_id: str | None = None) -> None:
    """Run every handler registered for the provider's topic, as the inbound processing task does."""
    handlers = handlers_for(provider, topic)
    assert handlers, f"no handler registered for {provider} {topic}"
    message = InboundMessage(
        id=uuid.uuid4(),
        company_id=company.id,
        integration_id=uuid.uuid4(),
        provider=provider,
        topic=topic,
        provider_event_id=event_id or str(uuid.uuid4()),
        payload=payload,
        received_at=timezone.now(),
    )
    for handler in handlers:
        handler(message)
