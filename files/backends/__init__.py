"""Storage backends, one module per storage provider named after its key, attached as "storage_backend".

FilesConfig.ready attaches every module's BACKEND to the provider registry, so adding a storage
provider is its provider module in integrations/providers plus one module here. Each backend
builds a django-storages Storage from an integration's values; storages are cached per
integration version (building an SDK client costs more than a small upload).
"""

import importlib
import pkgutil
import threading
from collections import OrderedDict
from typing import Any

from django.core.files.storage import Storage

from files.backends.base import Backend
from integrations.providers import capability, providers_with, register_capability

CAPABILITY = "storage_backend"
_NOT_BACKENDS = {"base", "transport"}

_cache: "OrderedDict[tuple, Storage]" = OrderedDict()
_cache_lock = threading.Lock()
_CACHE_MAX = 64


def register() -> None:
    """Attach each backend module to its provider (FilesConfig.ready)."""
    for info in pkgutil.iter_modules(__path__):
        if info.name not in _NOT_BACKENDS:
            module = importlib.import_module(f"{__name__}.{info.name}")
            register_capability(info.name, CAPABILITY, module.BACKEND)


def storage_keys() -> tuple[str, ...]:
    """Return the storage providers, in the registry's listing order."""
    return providers_with(CAPABILITY)


def backend(provider: str) -> Backend:
    """Return the backend of a storage provider (KeyError for an unknown one)."""
    return capability(provider, CAPABILITY)


def storage_for(provider: str, values: dict[str, Any], *, version: tuple) -> Storage:
    """Return a Storage for these values, reusing the one built for the same integration version."""
    key = (provider, *version)
    with _cache_lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    built = backend(provider).storage(values)
    with _cache_lock:
        _cache[key] = built
        while len(_cache) > _CACHE_MAX:
            _cache.popitem(last=False)
    return built


def forget_storages() -> None:
    """Drop cached storages (tests that change settings the storages captured)."""
    with _cache_lock:
        _cache.clear()
