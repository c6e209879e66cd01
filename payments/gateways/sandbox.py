"""The sandbox gateway: answers in-process, the way Stripe's test mode answers its test payment methods.

The demo company pays through it, so every documented payment flow (charge, decline,
3-D Secure pending, refund) succeeds on a machine with no network. Results are a pure
function of the request (the transaction id is derived from our payment id), which makes
a repeated charge return the first result, as a real gateway's idempotency key does.
"""

from collections.abc import Mapping
from typing import Any

from payments.gateways.base import ChargeRequest, GatewayResult, RefundRequest, to_minor

IDEMPOTENT_CHARGES = True

# paymentMethodId → (outcome, gateway status, decline code, message); the names of Stripe's test methods.
TEST_METHODS: dict[str, tuple[str, str, str, str]] = {
    "pm_card_visa": ("succeeded", "succeeded", "", ""),
    "pm_card_mastercard": ("succeeded", "succeeded", "", ""),
    "pm_card_chargeDeclined": ("declined", "requires_payment_method", "card_declined", "Your card was declined."),
    "pm_card_chargeDeclinedInsufficientFunds": (
        "declined",
        "requires_payment_method",
        "insufficient_funds",
        "Your card has insufficient funds.",
    ),
    "pm_card_authenticationRequired": (
        "pending",
        "requires_action",
        "",
        "The card needs 3-D Secure authentication: the customer completes it, then the payment settles.",
    ),
}
DEFAULT_METHOD = "pm_card_visa"
UNKNOWN_METHOD = (
    "declined",
    "requires_payment_method",
    "invalid_payment_method",
    "Unknown sandbox payment method; use one of: " + ", ".join(TEST_METHODS) + ".",
)


def charge(values: Mapping[str, Any], request: ChargeRequest) -> GatewayResult:
    method = request.payment_method_id or DEFAULT_METHOD
    outcome, status, code, message = TEST_METHODS.get(method, UNKNOWN_METHOD)
    transaction_id = "sbx_pi_" + request.reference.replace("-", "")
    raw: dict[str, Any] = {
        "id": transaction_id,
        "object": "payment_intent",
        "amount": to_minor(request.amount, request.currency),
        "currency": request.currency.lower(),
        "status": status,
        "payment_method": method,
        "livemode": False,
    }
    if code:
        raw["last_payment_error"] = {"code": code, "message": message}
    return GatewayResult(
        outcome=outcome,
        transaction_id=transaction_id,
        gateway_status=status,
        code=code,
        message=message,
        raw=raw,
        http_status=200 if outcome != "declined" else 402,
        client_secret=f"{transaction_id}_secret_sandbox" if status == "requires_action" else "",
    )


def refund(values: Mapping[str, Any], request: RefundRequest) -> GatewayResult:
    refund_id = "sbx_re_" + request.reference.replace("-", "")
    raw = {
        "id": refund_id,
        "object": "refund",
        "payment_intent": request.transaction_id,
        "amount": to_minor(request.amount, request.currency),
        "currency": request.currency.lower(),
        "status": "succeeded",
    }
    return GatewayResult(
        outcome="succeeded", transaction_id=refund_id, gateway_status="succeeded", raw=raw, http_status=200
    )
