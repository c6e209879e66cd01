"""Handlers for verified inbound events, registered by the owning apps in AppConfig.ready.

The inbound pipeline imports no domain app: orders, payments and messaging register what
they handle here, e.g. in OrdersConfig.ready():

    from integrations.inbound.registry import register_inbound_handler
    register_inbound_handler("woocommerce", "order.created", handlers.woocommerce_order)

A handler takes an InboundMessage and returns nothing, or Rejected(reason) when the event
cannot be applied and a retry would not help (a payload the owning app refuses): the event
is then marked failed with that reason, for an operator to read and reprocess. Raising an
exception rolls the handler's writes back and marks the event failed too. Handlers must be
idempotent: an event can be processed again (retries, an operator's "reprocess").
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase
from typing import Any
from uuid import UUID

from integrations.providers import ImproperlyDeclared, provider_keys


@dataclass(frozen=True)
class InboundMessage:
    """A verified, stored inbound event as handlers see it."""

    id: UUID  # the stored inbound event's id
    company_id: UUID
    integration_id: UUID
    provider: str  # "woocommerce", "shopify", "stripe", "ubereats", ...
    topic: str  # the provider's own topic, e.g. "order.created" or "orders/create"
    provider_event_id: str
    payload: Any  # the parsed body (a dict for JSON providers, form fields for Twilio)
    received_at: datetime


@dataclass(frozen=True)
class Rejected:
    """A handler's answer for an event it could not apply: kept failed, with the reason, not retried."""

    reason: str


Handler = Callable[[InboundMessage], Rejected | None]

_handlers: list[tuple[str, str, Handler]] = []


def register_inbound_handler(provider: str, topic: str, handler: Handler) -> None:
    """Register `handler` for a provider's topic; `topic` may be a glob such as "order.*".

    The provider must be declared in the registry (integrations/providers): a handler for a
    misspelt key would otherwise never run.
    """
    if provider not in provider_keys():
        raise ImproperlyDeclared(f"Cannot handle {provider!r} events: no module in integrations/providers declares it.")
    entry = (provider, topic, handler)
    if entry not in _handlers:
        _handlers.append(entry)


def handlers_for(provider: str, topic: str) -> list[Handler]:
    """Return the handlers registered for this provider and topic, in registration order."""
    return [h for p, t, h in _handlers if p == provider and fnmatchcase(topic, t)]
