"""Masked stand-ins for secrets shown in responses and the admin, and recognising them when sent back."""

from typing import Any

MASK = "****"


def mask_secret(value: Any) -> str:
    """Return a masked stand-in: the last four characters of long secrets, nothing of short ones."""
    text = str(value)
    return MASK + text[-4:] if len(text) >= 16 else MASK


def is_mask(value: Any) -> bool:
    """Return True when a value sent back is a masked stand-in (the stored secret is kept)."""
    return isinstance(value, str) and value.startswith(MASK)
