"""Gateway adapters, one module per gateway named after its provider key, each with charge() and refund().

PaymentsConfig.ready attaches every module of this package to the provider registry as the
provider's "payment_gateway" capability, so adding a gateway is adding its module here.
A module sets `IDEMPOTENT_CHARGES = True` when the gateway answers a repeated idempotency key
with the first result (so a pending charge may be sent again).
"""

import importlib
import pkgutil
from types import ModuleType

from integrations.providers import capability, providers_with, register_capability

CAPABILITY = "payment_gateway"
_NOT_GATEWAYS = {"base", "transport"}


def register() -> None:
    """Attach each gateway module to its provider (PaymentsConfig.ready)."""
    for info in pkgutil.iter_modules(__path__):
        if info.name not in _NOT_GATEWAYS:
            register_capability(info.name, CAPABILITY, importlib.import_module(f"{__name__}.{info.name}"))


def gateway_keys() -> tuple[str, ...]:
    """Return the providers that can take payments, in the registry's listing order."""
    return providers_with(CAPABILITY)


def adapter(gateway: str) -> ModuleType:
    """Return the adapter module of a gateway (KeyError for an unknown one)."""
    return capability(gateway, CAPABILITY)


def resends_safely(gateway: str) -> bool:
    """Return whether a pending charge may be sent again with the same idempotency key."""
    return bool(getattr(adapter(gateway), "IDEMPOTENT_CHARGES", False))
