"""What every gateway adapter takes and returns, and the helpers they share."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import requests

from core import money
from integrations.providers.base import api_url

__all__ = ["api_url"]


@dataclass(frozen=True)
class ChargeRequest:
    """A charge as the adapters see it; `reference` is our payment id (also the idempotency key)."""

    reference: str
    amount: Decimal
    currency: str
    payment_method_id: str = ""
    customer_id: str = ""
    description: str = ""
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RefundRequest:
    """A refund of `amount` on the gateway's transaction; `reference` is our refund id."""

    reference: str
    transaction_id: str
    amount: Decimal
    currency: str
    reason: str = ""
    payment_response: Mapping[str, Any] | None = None  # the charge's stored answer (Authorize.Net needs it)


@dataclass(frozen=True)
class GatewayResult:
    """The gateway's answer: outcome succeeded / pending / declined (refused) / error (its own failure)."""

    outcome: str
    transaction_id: str = ""
    gateway_status: str = ""
    code: str = ""
    message: str = ""
    raw: Any = None
    http_status: int | None = None
    client_secret: str = ""

    @property
    def settled(self) -> bool:
        return self.outcome in ("succeeded", "pending")


def to_minor(amount: Decimal, currency: str) -> int:
    """Return the amount in the currency's minor unit (cents, fils, yen)."""
    return int(money.rounded(amount, currency).scaleb(money.minor_units(currency)))


def from_minor(value: int | str, currency: str) -> Decimal:
    """Return a minor-unit integer as a Decimal amount in the major unit."""
    return Decimal(int(value)).scaleb(-money.minor_units(currency))


def decimal_str(amount: Decimal, currency: str) -> str:
    """Return the amount with exactly the currency's decimals, as PayPal and Authorize.Net want it."""
    return money.as_str(amount, currency) or "0"


def json_or_text(response: requests.Response) -> Any:
    """Return the parsed JSON body (a BOM tolerated), or the text when it is not JSON."""
    import json

    text = response.content.decode("utf-8-sig", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return {"body": text[:2000]}


def http_failure(response: requests.Response, body: Any, *, code: str = "", message: str = "") -> GatewayResult:
    """Return the result of an answer that is not a success: 4xx declined, other codes an error."""
    outcome = "declined" if 400 <= response.status_code < 500 and response.status_code not in (401, 403) else "error"
    return GatewayResult(
        outcome=outcome,
        code=code or f"http_{response.status_code}",
        message=message or f"The gateway answered HTTP {response.status_code}.",
        raw=body,
        http_status=response.status_code,
    )


def status_result(
    outcomes: Mapping[str, str], status: str, *, transaction_id: str, raw: Any, http_status: int, **extra: str
) -> GatewayResult:
    """Return the result of an accepted request whose outcome is the gateway's status word (unknown: pending)."""
    return GatewayResult(
        outcome=outcomes.get(status, "pending"),
        transaction_id=transaction_id,
        gateway_status=status,
        raw=raw,
        http_status=http_status,
        **extra,
    )
