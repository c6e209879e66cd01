"""The Idempotency-Key mechanism: header parsing, body fingerprint, replay, 422 on reuse, storage, OpenAPI.

Storage convention (every model that accepts the header): two columns,
`idempotency_key` (CharField(255), "" when the request carried none, unique per company
where not "") and `request_fingerprint` (CharField(64), the SHA-256 of the canonical body,
"" without a key). A create first looks for the key (`replay`), inserts otherwise, and
on an IntegrityError from a concurrent twin looks again: two racing requests resolve as
two sequential ones. The same key with the same body replays the first result; with
another body it is refused with 422 naming the first resource.
"""

import hashlib
import json
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.request import Request

from core.errors import InvalidInput, Unprocessable

HEADER = "Idempotency-Key"
MAX_LENGTH = 255  # the column's size
REPLAYED_HEADER = {"Idempotent-Replayed": "true"}

M = TypeVar("M", bound=Model)


class IdempotencyKeyReused(Unprocessable):
    """422: the key was used before with another body; `first` is what the first request made."""

    def __init__(self, first: Model, *, name: str) -> None:
        message = "This Idempotency-Key was already used with a different request body."
        super().__init__(message, details={"idempotencyKey": message, name: str(first.pk)})
        self.first = first


@dataclass(frozen=True)
class IdempotencyKey:
    """A request's key and its body's fingerprint; an empty key means the request is not repeat-safe."""

    key: str = ""
    fingerprint: str = ""

    def __bool__(self) -> bool:
        return bool(self.key)

    def stored(self) -> dict[str, str]:
        """Return the model fields that record this key (the storage convention above)."""
        return {"idempotency_key": self.key, "request_fingerprint": self.fingerprint if self.key else ""}


NO_KEY = IdempotencyKey()


def fingerprint(body: Any) -> str:
    """Return the SHA-256 of the body as canonical JSON (sorted keys, no spaces), to tell a repeat from a reuse."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def header_key(request: Request) -> str:
    """Return the request's Idempotency-Key ("" when absent); 400 when it is too long or not printable ASCII."""
    key = request.headers.get(HEADER, "").strip()
    if len(key) > MAX_LENGTH:
        raise InvalidInput(details={"idempotencyKey": f"The {HEADER} header is at most {MAX_LENGTH} characters."})
    if key and not (key.isascii() and key.isprintable()):
        raise InvalidInput(details={"idempotencyKey": f"The {HEADER} header must be printable ASCII."})
    return key


def from_request(request: Request, body: Any = None) -> IdempotencyKey:
    """Return the request's key with the fingerprint of `body` (default: the request's parsed body)."""
    key = header_key(request)
    if not key:
        return IdempotencyKey()
    return IdempotencyKey(key=key, fingerprint=fingerprint(request.data if body is None else body))


def replay(queryset: QuerySet[M], idem: IdempotencyKey, *, name: str) -> M | None:
    """Return what the first request with this key made (None if none); IdempotencyKeyReused for another body.

    `queryset` is already scoped to the caller's company; `name` is the details key naming
    the first resource in a 422 (e.g. "orderId").
    """
    if not idem:
        return None
    first = queryset.filter(idempotency_key=idem.key).first()
    if first is not None and first.request_fingerprint != idem.fingerprint:  # type: ignore[attr-defined]
        raise IdempotencyKeyReused(first, name=name)
    return first


# The one OpenAPI description of the header, for every repeat-safe write.
PARAMETER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        "Repeat-safe write: the same key and body return the first result (with Idempotent-Replayed: true) "
        f"and do nothing again; the same key with another body → 422. At most {MAX_LENGTH} printable characters."
    ),
)
REUSED_RESPONSE = OpenApiResponse(description="Idempotency-Key reused with a different body")
