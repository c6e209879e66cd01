"""Encryption of secrets at rest (credentials, webhook secrets) with rotatable Fernet keys.

CREDENTIALS_ENCRYPTION_KEYS is a comma-separated list of Fernet keys, newest first: new
values are encrypted with the first, and every listed key can decrypt, so a key is rotated
by prepending a new one and running `manage.py rotate_encryption_keys`. Without the
setting (embedded mode), a key is derived from SECRET_KEY.
"""

import base64
import hashlib
import json
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

PREFIX = "enc:v1:"


@cache
def _fernet() -> MultiFernet:
    keys = list(settings.CREDENTIALS_ENCRYPTION_KEYS)
    if not keys:
        derived = base64.urlsafe_b64encode(hashlib.sha256(f"credentials:{settings.SECRET_KEY}".encode()).digest())
        keys = [derived.decode()]
    return MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])


def reset_keys_cache() -> None:
    """Forget the loaded keys (after the setting changes, e.g. in tests)."""
    _fernet.cache_clear()


def encrypt_str(value: str) -> str:
    """Return the ciphertext of a string, marked with a version prefix."""
    return PREFIX + _fernet().encrypt(value.encode()).decode()


def decrypt_str(value: str) -> str:
    """Return the plaintext of encrypt_str's output."""
    if not value.startswith(PREFIX):
        raise ValueError("value is not encrypted by accounts.crypto")
    try:
        return _fernet().decrypt(value[len(PREFIX) :].encode()).decode()
    except InvalidToken as exc:
        raise ValueError("cannot decrypt: no configured key matches") from exc


def rotate_str(value: str) -> str:
    """Return the value re-encrypted with the newest key."""
    return PREFIX + _fernet().rotate(value[len(PREFIX) :].encode()).decode()


class EncryptedTextField(models.TextField):
    """A text column holding ciphertext; Python sees the plaintext."""

    def from_db_value(self, value: str | None, expression, connection) -> str | None:
        return None if value is None else decrypt_str(value)

    def get_prep_value(self, value: str | None) -> str | None:
        if value is None:
            return None
        return encrypt_str(str(value))


class EncryptedJSONField(models.TextField):
    """A JSON object stored encrypted as text; Python sees the decoded object."""

    def from_db_value(self, value: str | None, expression, connection) -> Any:
        return None if value is None else json.loads(decrypt_str(value))

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    def get_prep_value(self, value: Any) -> str | None:
        if value is None:
            return None
        return encrypt_str(json.dumps(value, separators=(",", ":"), sort_keys=True))

    def value_to_string(self, obj: models.Model) -> str:
        return "[encrypted]"
