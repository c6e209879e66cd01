"""Redaction of secrets in log payloads before they are stored."""

import re
from typing import Any

REDACTED = "[REDACTED]"

# Keys whose values are credentials, whatever their case or separators.
_SECRET_KEY = re.compile(
    r"(authorization|api[-_]?key|apikey|x-api-key|secret|password|passwd|token|signature|"
    r"client[-_]?secret|private[-_]?key|cookie|credential|access[-_]?key|auth)",
    re.IGNORECASE,
)
# Values that look like credentials even under an innocent key.
_SECRET_VALUE = re.compile(
    r"^(Bearer\s+\S+|Basic\s+\S+|ihk_[A-Za-z0-9_-]{20,}|whsec_\S+|sk_(live|test)_\S+|rk_(live|test)_\S+)$"
)


def redact(value: Any, *, _depth: int = 0) -> Any:
    """Return a copy of a JSON-like value with secret-looking keys and values replaced."""
    if _depth > 20:
        return REDACTED
    if isinstance(value, dict):
        return {
            key: (
                REDACTED if _SECRET_KEY.search(str(key)) and val not in (None, "") else redact(val, _depth=_depth + 1)
            )
            for key, val in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(item, _depth=_depth + 1) for item in value]
    if isinstance(value, str) and _SECRET_VALUE.match(value.strip()):
        return REDACTED
    return value
