"""Money: Decimal amounts quantized to each currency's minor unit, and ISO 4217 currency codes.

Minor units come from Babel's CLDR currency data (`get_currency_precision`), a maintained
table, instead of a hand-kept one: KWD, BHD, JOD, OMR, TND and LYD have 3 decimals, JPY and
KRW none. Codes are checked against the same data, so "XYZ" is refused.
"""

from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from babel.numbers import get_currency_precision, list_currencies

ZERO = Decimal("0")


class InvalidCurrency(ValueError):
    """The text is not an ISO 4217 currency code."""


@cache
def _codes() -> frozenset[str]:
    return frozenset(list_currencies())


def is_currency(code: str) -> bool:
    """Return whether `code` is an ISO 4217 currency code (upper case, as stored)."""
    return code in _codes()


def currency_code(raw: str) -> str:
    """Return `raw` as an upper-case ISO 4217 code, or raise InvalidCurrency naming the value."""
    code = str(raw or "").strip().upper()
    if len(code) != 3 or not code.isascii() or not is_currency(code):
        shown = str(raw)[:10]
        raise InvalidCurrency(f"currency must be an ISO 4217 code such as USD, AED or KWD; {shown!r} is not one.")
    return code


@cache
def minor_units(currency: str) -> int:
    """Return how many decimal places the currency uses (2 for an unknown code, as Babel does)."""
    return get_currency_precision(currency.upper())


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
