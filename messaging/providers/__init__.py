"""Messaging adapters, one module per provider named after its key: `CHANNEL`(S) and send(values, outgoing).

MessagingConfig.ready attaches every module of this package to the provider registry as the
provider's "messaging_channel" capability; the channel → providers map is derived from it,
so adding a messaging provider is adding its module here.
"""

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

from integrations.providers import capability, providers_with, register_capability
from messaging.providers.base import Outgoing, SendResult

Adapter = Callable[[Mapping[str, Any], Outgoing], SendResult]

CAPABILITY = "messaging_channel"
_NOT_ADAPTERS = {"base"}


def register() -> None:
    """Attach each adapter module to its provider (MessagingConfig.ready)."""
    for info in pkgutil.iter_modules(__path__):
        if info.name not in _NOT_ADAPTERS:
            register_capability(info.name, CAPABILITY, importlib.import_module(f"{__name__}.{info.name}"))


def channels_of(provider: str) -> tuple[str, ...]:
    """Return the channels a provider sends on (the sandbox sends on every one)."""
    module = _module(provider)
    return tuple(getattr(module, "CHANNELS", None) or (module.CHANNEL,))


def channel_providers(channel: str) -> tuple[str, ...]:
    """Return the providers that send on `channel`, in the registry's listing order."""
    return tuple(key for key in providers_with(CAPABILITY) if channel in channels_of(key))


def _module(provider: str) -> ModuleType:
    return capability(provider, CAPABILITY)


def adapter_for(provider: str) -> Adapter:
    """Return the send function of a provider (KeyError for one that sends no messages)."""
    return _module(provider).send
