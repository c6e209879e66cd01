"""Circuit breaker per (company, provider), its state shared by every worker through the Django cache.

In production the default cache is Redis (REDIS_URL), so every worker on every machine sees
one state; the embedded mode's file cache is shared by the processes of its one machine.
The cache API gives what the breaker needs atomically on Redis: `add` is SET NX (one
half-open probe), `incr` is INCRBY (consecutive failures).

closed --N consecutive failures--> open --cool-down--> half-open (one probe)
half-open --probe succeeds--> closed; --probe fails--> open again for another cool-down.
"""

import time
from dataclasses import dataclass
from uuid import UUID

from django.conf import settings
from django.core.cache import cache

CLOSED = "closed"
OPEN = "open"
HALF_OPEN = "half_open"


@dataclass(frozen=True)
class Circuit:
    """The breaker of one provider for one company."""

    company_id: UUID | str
    provider: str

    def _key(self, part: str) -> str:
        return f"circuit:{self.company_id}:{self.provider}:{part}"

    @property
    def _ttl(self) -> int:
        # Long enough to outlive a cool-down many times; a forgotten circuit expires by itself.
        return max(3600, settings.CIRCUIT_COOLDOWN_SECONDS * 10)

    def state(self) -> str:
        """Return closed, open (cooling down) or half_open (cool-down over, a probe may go)."""
        opened_at = cache.get(self._key("opened_at"))
        if opened_at is None:
            return CLOSED
        return OPEN if time.time() < float(opened_at) + settings.CIRCUIT_COOLDOWN_SECONDS else HALF_OPEN

    def retry_in(self) -> float:
        """Return seconds until the cool-down ends (0 when closed or half-open)."""
        opened_at = cache.get(self._key("opened_at"))
        if opened_at is None:
            return 0.0
        return max(0.0, float(opened_at) + settings.CIRCUIT_COOLDOWN_SECONDS - time.time())

    def allow(self) -> bool:
        """Return True when a call may go: closed, or the one probe of a half-open circuit."""
        state = self.state()
        if state == CLOSED:
            return True
        if state == OPEN:
            return False
        # Half-open: exactly one caller (across all workers) wins the probe for one cool-down.
        return cache.add(self._key("probe"), 1, timeout=max(1, settings.CIRCUIT_COOLDOWN_SECONDS))

    def record_success(self) -> None:
        """The provider answered: close the circuit and forget its failures."""
        cache.delete_many([self._key("failures"), self._key("opened_at"), self._key("probe")])

    def record_failure(self) -> bool:
        """Count a transient failure; return True when the circuit is (now) open."""
        key = self._key("failures")
        cache.add(key, 0, timeout=self._ttl)
        try:
            failures = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=self._ttl)
            failures = 1
        if failures < settings.CIRCUIT_FAILURE_THRESHOLD:
            return False
        # Open (or, after a failed probe, open again): the cool-down starts now.
        cache.set(self._key("opened_at"), time.time(), timeout=self._ttl)
        cache.delete(self._key("probe"))
        return True
