"""The provider registry: every provider declared once, and the capabilities other apps attach to it.

Each module in this package declares one `PROVIDER` (category, config fields, connection
check, inbound signature scheme) and a `POSITION` that orders every list shown to people
(enum values, "must be one of" messages). Other apps attach what they do with a provider
from their own `AppConfig.ready` with `register_capability(key, capability, obj)` (a payment
gateway, a messaging channel, a sync client), so this package imports none of them. Every
list of providers in the hub is derived from here: `provider_keys()`, `providers_with()`.
See docs/adding-a-provider.md.
"""

import importlib
import pkgutil
from functools import cache
from typing import Any

from integrations.providers.base import Provider

_NOT_PROVIDERS = {"base", "schemes"}
# Providers without a POSITION are listed after the others, by key.
_LAST = 1_000_000

# capability name -> provider key -> what the owning app attached
_capabilities: dict[str, dict[str, Any]] = {}


@cache
def _declared() -> dict[str, tuple[int, Provider]]:
    found: dict[str, tuple[int, Provider]] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name in _NOT_PROVIDERS:
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        provider = module.PROVIDER
        if provider.key in found:
            raise ImproperlyDeclared(f"Provider key {provider.key!r} is declared twice (in {info.name}).")
        found[provider.key] = (getattr(module, "POSITION", _LAST), provider)
    return found


class ImproperlyDeclared(Exception):
    """A provider or capability declaration that cannot be right (a duplicate key, an unknown provider)."""


def all_providers() -> dict[str, Provider]:
    """Return every declared provider by key, in alphabetical order."""
    return {key: provider for key, (_, provider) in sorted(_declared().items())}


def get_provider(key: str) -> Provider:
    """Return the provider declared under `key` (KeyError when there is none)."""
    return _declared()[key][1]


def provider_keys(*, category: str | None = None) -> tuple[str, ...]:
    """Return the keys of every declared provider (of one category), in listing order."""
    ranked = sorted((position, key) for key, (position, provider) in _declared().items())
    return tuple(key for _, key in ranked if category is None or get_provider(key).category == category)


def register_capability(provider_key: str, capability: str, obj: Any) -> None:
    """Attach what an app does with a provider (called from that app's AppConfig.ready).

    Registering the same object again is harmless (ready() may run twice in tests); a
    second, different object for the same provider and capability is a mistake.
    """
    if provider_key not in _declared():
        raise ImproperlyDeclared(
            f"Cannot attach {capability!r} to {provider_key!r}: no module in integrations/providers declares it."
        )
    attached = _capabilities.setdefault(capability, {})
    if attached.get(provider_key, obj) != obj:
        raise ImproperlyDeclared(f"{provider_key!r} already has a {capability!r} capability.")
    attached[provider_key] = obj


def capability(provider_key: str, capability: str) -> Any:
    """Return what was attached to a provider for `capability` (KeyError when nothing was)."""
    return _capabilities.get(capability, {})[provider_key]


def providers_with(capability: str) -> tuple[str, ...]:
    """Return the keys of the providers that have `capability`, in listing order."""
    attached = _capabilities.get(capability, {})
    return tuple(key for key in provider_keys() if key in attached)
