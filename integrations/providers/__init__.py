"""The provider registry: every module in this package declares one `PROVIDER`.

Adding a provider is adding one module here (category, config fields, connection check,
inbound signature scheme); nothing else needs to change.
"""

import importlib
import pkgutil
from functools import cache

from integrations.providers.base import Provider

_NOT_PROVIDERS = {"base", "schemes"}


@cache
def all_providers() -> dict[str, Provider]:
    """Return every declared provider by key, in alphabetical order."""
    found: dict[str, Provider] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name in _NOT_PROVIDERS:
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        provider = module.PROVIDER
        found[provider.key] = provider
    return dict(sorted(found.items()))


def get_provider(key: str) -> Provider:
    """Return the provider declared under `key` (KeyError when there is none)."""
    return all_providers()[key]


def provider_keys() -> list[str]:
    return list(all_providers())
