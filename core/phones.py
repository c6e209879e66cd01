"""Phone numbers in E.164, parsed and validated with the `phonenumbers` library (orders, customers, messaging)."""

import phonenumbers


class InvalidPhone(ValueError):
    """The text is not a valid phone number."""


def to_e164(raw: str, *, region: str | None = None) -> str:
    """Return `raw` in E.164 (+971501234567); `region` (ISO 3166 alpha-2) helps national formats."""
    text = (raw or "").strip()
    if not text:
        raise InvalidPhone("A phone number is required.")
    try:
        number = phonenumbers.parse(text, (region or "").upper() or None)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(f"{text!r} is not a phone number ({exc}); send it in E.164, e.g. +971501234567.")
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(f"{text!r} is not a valid phone number; send it in E.164, e.g. +971501234567.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
