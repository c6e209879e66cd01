"""Standard Webhooks signing: secrets, the signed content and the webhook-* headers (pure functions)."""

import base64
import hashlib
import hmac
import secrets as _secrets

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def secret_generate() -> str:
    """Return a new signing secret: `whsec_` followed by 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(_secrets.token_bytes(SECRET_BYTES)).decode()


def _key(secret: str) -> bytes:
    raw = secret[len(SECRET_PREFIX) :] if secret.startswith(SECRET_PREFIX) else secret
    return base64.b64decode(raw)


def signature(secret: str, *, msg_id: str, timestamp: int, body: bytes) -> str:
    """Return `v1,<base64 HMAC-SHA256>` over `{msg_id}.{timestamp}.{body}` as the spec defines."""
    content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(secrets: list[str], *, msg_id: str, timestamp: int, body: bytes) -> str:
    """Return the webhook-signature value: one signature per secret, space-separated (rotation)."""
    return " ".join(signature(s, msg_id=msg_id, timestamp=timestamp, body=body) for s in secrets)


def headers(secrets: list[str], *, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Return the three Standard Webhooks headers for one message."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(secrets, msg_id=msg_id, timestamp=timestamp, body=body),
    }


def mask(secret: str) -> str:
    """Return a secret shortened for display: its prefix and last four characters."""
    return f"{SECRET_PREFIX}…{secret[-4:]}" if secret else ""
