"""Money arithmetic for orders: Decimal only, quantized to each currency's minor unit."""

from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 minor units that differ from 2 (Talabat and Careem serve the 3-decimal Gulf currencies).
_MINOR_UNITS: dict[str, int] = {
    "BHD": 3,
    "IQD": 3,
    "JOD": 3,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "TND": 3,
    "JPY": 0,
    "KRW": 0,
    "VND": 0,
    "CLP": 0,
    "ISK": 0,
    "UGX": 0,
}

ZERO = Decimal("0")


def minor_units(currency: str) -> int:
    """Return how many decimal places the currency uses."""
    return _MINOR_UNITS.get(currency.upper(), 2)


def quantum(currency: str) -> Decimal:
    """Return the smallest amount of the currency, e.g. Decimal('0.01')."""
    return Decimal(1).scaleb(-minor_units(currency))


def fits(amount: Decimal, currency: str) -> bool:
    """Return whether `amount` has no more decimal places than the currency allows."""
    return amount == amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def rounded(amount: Decimal, currency: str) -> Decimal:
    """Return `amount` rounded half-up to the currency's minor unit."""
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def as_str(amount: Decimal | None, currency: str) -> str | None:
    """Return the amount as a string with exactly the currency's decimal places ("12.50", "3.250")."""
    if amount is None:
        return None
    return str(rounded(Decimal(amount), currency))
