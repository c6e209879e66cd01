"""Messaging adapters by integration provider: each module has send(values, outgoing) -> SendResult."""

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any

from messaging.providers.base import Outgoing, SendResult

Adapter = Callable[[Mapping[str, Any], Outgoing], SendResult]

ADAPTER_MODULES: dict[str, str] = {
    "twilio": "messaging.providers.twilio",
    "sendgrid": "messaging.providers.sendgrid",
    "smtp": "messaging.providers.smtp",
    "slack": "messaging.providers.slack",
}


def adapter_for(provider: str) -> Adapter:
    """Return the send function of a provider (imported on first use: twilio is a large library)."""
    return import_module(ADAPTER_MODULES[provider]).send
