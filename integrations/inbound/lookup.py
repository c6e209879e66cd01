"""The receiver's view of an integration, cached in-process for a moment to save a query per delivery.

A busy provider sends many deliveries per second to one integration; reading (and decrypting)
the same row for each costs a database round trip. Changes (status, secrets) take effect
within INBOUND_INTEGRATION_CACHE_SECONDS.
"""

import threading
import time
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.conf import settings

from integrations.models import Integration


@dataclass(frozen=True)
class InboundTarget:
    """What the receiver needs of an integration."""

    id: UUID
    company_id: UUID
    provider: str
    active: bool
    values: dict[str, Any]


_cache: dict[UUID, tuple[float, InboundTarget | None]] = {}
_lock = threading.Lock()
_MAX_ENTRIES = 10_000


def inbound_target(integration_id: UUID) -> InboundTarget | None:
    """Return the integration as the receiver sees it, or None when there is none."""
    ttl = settings.INBOUND_INTEGRATION_CACHE_SECONDS
    now = time.monotonic()
    if ttl > 0:
        hit = _cache.get(integration_id)
        if hit is not None and hit[0] > now:
            return hit[1]
    row = Integration.objects.filter(id=integration_id).first()
    target = (
        InboundTarget(
            id=row.id,
            company_id=row.company_id,
            provider=row.provider,
            active=row.is_active(),
            values=row.values(),
        )
        if row is not None
        else None
    )
    if ttl > 0:
        with _lock:
            if len(_cache) >= _MAX_ENTRIES:
                _cache.clear()
            _cache[integration_id] = (now + ttl, target)
    return target


def forget(integration_id: UUID | None = None) -> None:
    """Drop cached entries (one, or all)."""
    with _lock:
        if integration_id is None:
            _cache.clear()
        else:
            _cache.pop(integration_id, None)
