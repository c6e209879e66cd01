"""Re-export of core.money for code that still imports it from here (payment gateways, orders/sync)."""

from core.money import ZERO, as_str, fits, minor_units, quantum, rounded

__all__ = ["ZERO", "as_str", "fits", "minor_units", "quantum", "rounded"]
