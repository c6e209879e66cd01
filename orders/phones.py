"""Re-export of core.phones for orders/sync, which still imports it from here."""

from core.phones import InvalidPhone, to_e164

__all__ = ["InvalidPhone", "to_e164"]
