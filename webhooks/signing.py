"""Standard Webhooks signing: secrets, signatures (by the standardwebhooks library) and the webhook-* headers."""

import base64
import secrets as _secrets
from datetime import UTC, datetime

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def secret_generate() -> str:
    """Return a new signing secret: `whsec_` followed by 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(_secrets.token_bytes(SECRET_BYTES)).decode()


def signature(secret: str, *, msg_id: str, timestamp: int, body: bytes) -> str:
    """Return `v1,<base64 HMAC-SHA256>` over `{msg_id}.{timestamp}.{body}`, signed by the standardwebhooks library."""
    # The library signs text; our bodies are JSON we encoded as UTF-8, so decoding is lossless.
    return Webhook(secret).sign(msg_id, datetime.fromtimestamp(timestamp, UTC), body.decode("utf-8"))


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
