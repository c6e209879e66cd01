"""Handlers of the gateways' webhooks (verified and stored by the integrations app's receiver).

Each handler maps the provider's payload to a GatewayResult and calls one service, which
matches the payment by company, gateway and transaction id and applies it idempotently.
"""

from decimal import Decimal
from typing import Any

from integrations.inbound.registry import InboundMessage, register_inbound_handler
from payments import services
from payments.gateways.base import GatewayResult, from_minor

_SQUARE_PAYMENT = {"COMPLETED": "succeeded", "FAILED": "declined", "CANCELED": "declined"}
_SQUARE_REFUND = {"COMPLETED": "succeeded", "FAILED": "declined", "REJECTED": "declined"}


def _object(payload: Any, *path: str) -> dict[str, Any]:
    for key in path:
        payload = (payload or {}).get(key) if isinstance(payload, dict) else None
    return payload if isinstance(payload, dict) else {}


def _payment(message: InboundMessage, transaction_id: str, result: GatewayResult) -> None:
    services.payment_webhook_update(
        company_id=message.company_id, gateway=message.provider, transaction_id=transaction_id, result=result
    )


def _refund(
    message: InboundMessage,
    transaction_id: str,
    refund_id: str,
    amount: Decimal | None,
    result: GatewayResult,
    *,
    cumulative: bool = False,
) -> None:
    services.refund_webhook_update(
        company_id=message.company_id,
        gateway=message.provider,
        transaction_id=transaction_id,
        gateway_refund_id=refund_id,
        amount=amount,
        result=result,
        cumulative=cumulative,
    )


# --- Stripe --------------------------------------------------------------------------------


def stripe_payment_intent(message: InboundMessage) -> None:
    intent = _object(message.payload, "data", "object")
    error = intent.get("last_payment_error") or {}
    succeeded = message.topic == "payment_intent.succeeded"
    _payment(
        message,
        str(intent.get("id") or ""),
        GatewayResult(
            outcome="succeeded" if succeeded else "declined",
            transaction_id=str(intent.get("id") or ""),
            gateway_status=str(intent.get("status") or ""),
            code="" if succeeded else str(error.get("decline_code") or error.get("code") or "payment_failed"),
            message="" if succeeded else str(error.get("message") or "Stripe reported the payment failed."),
            raw=intent,
        ),
    )


def stripe_charge_refunded(message: InboundMessage) -> None:
    charge = _object(message.payload, "data", "object")
    currency = str(charge.get("currency") or "usd").upper()
    intent_id = str(charge.get("payment_intent") or "")
    refunds = _object(charge, "refunds").get("data") or []
    for item in refunds:
        if item.get("status") in ("succeeded", "failed", "canceled"):
            _refund(
                message,
                intent_id,
                str(item.get("id") or ""),
                from_minor(item.get("amount") or 0, currency),
                GatewayResult(
                    outcome="succeeded" if item.get("status") == "succeeded" else "declined",
                    transaction_id=str(item.get("id") or ""),
                    gateway_status=str(item.get("status")),
                    code=str(item.get("failure_reason") or ""),
                    raw=item,
                ),
            )
    if not refunds:  # events of newer API versions do not expand refunds: the total tells what is new
        total = from_minor(charge.get("amount_refunded") or 0, currency)
        _refund(
            message,
            intent_id,
            "",
            total,
            GatewayResult(outcome="succeeded", gateway_status="succeeded", raw=charge),
            cumulative=True,
        )


# --- PayPal --------------------------------------------------------------------------------


def paypal_capture(message: InboundMessage) -> None:
    capture = _object(message.payload, "resource")
    status = str(capture.get("status") or "")
    outcome = {"COMPLETED": "succeeded", "DECLINED": "declined", "FAILED": "declined"}.get(status, "pending")
    _payment(
        message,
        str(capture.get("id") or ""),
        GatewayResult(
            outcome=outcome,
            transaction_id=str(capture.get("id") or ""),
            gateway_status=status,
            code=str(_object(capture, "status_details").get("reason") or "") if outcome == "declined" else "",
            raw=capture,
        ),
    )


def paypal_capture_refunded(message: InboundMessage) -> None:
    # The resource is the refund; its "up" link names the capture it refunds.
    refund = _object(message.payload, "resource")
    capture_id = ""
    for link in refund.get("links") or []:
        if link.get("rel") == "up" and "/captures/" in str(link.get("href")):
            capture_id = str(link["href"]).rstrip("/").rsplit("/", 1)[-1]
    amount = _object(refund, "amount").get("value")
    status = str(refund.get("status") or "")
    _refund(
        message,
        capture_id,
        str(refund.get("id") or ""),
        Decimal(str(amount)) if amount is not None else None,
        GatewayResult(
            outcome={"COMPLETED": "succeeded", "FAILED": "declined", "CANCELLED": "declined"}.get(status, "pending"),
            transaction_id=str(refund.get("id") or ""),
            gateway_status=status,
            raw=refund,
        ),
    )


# --- Square --------------------------------------------------------------------------------


def square_payment_updated(message: InboundMessage) -> None:
    payment = _object(message.payload, "data", "object", "payment")
    status = str(payment.get("status") or "")
    _payment(
        message,
        str(payment.get("id") or ""),
        GatewayResult(
            outcome=_SQUARE_PAYMENT.get(status, "pending"),
            transaction_id=str(payment.get("id") or ""),
            gateway_status=status,
            code="" if status == "COMPLETED" else status.lower(),
            raw=payment,
        ),
    )


def square_refund_updated(message: InboundMessage) -> None:
    refund = _object(message.payload, "data", "object", "refund")
    status = str(refund.get("status") or "")
    money = _object(refund, "amount_money")
    currency = str(money.get("currency") or "USD")
    _refund(
        message,
        str(refund.get("payment_id") or ""),
        str(refund.get("id") or ""),
        from_minor(money["amount"], currency) if money.get("amount") is not None else None,
        GatewayResult(
            outcome=_SQUARE_REFUND.get(status, "pending"),
            transaction_id=str(refund.get("id") or ""),
            gateway_status=status,
            raw=refund,
        ),
    )


# --- Razorpay ------------------------------------------------------------------------------


def razorpay_payment(message: InboundMessage) -> None:
    entity = _object(message.payload, "payload", "payment", "entity")
    captured = message.topic == "payment.captured"
    _payment(
        message,
        str(entity.get("id") or ""),
        GatewayResult(
            outcome="succeeded" if captured else "declined",
            transaction_id=str(entity.get("id") or ""),
            gateway_status=str(entity.get("status") or ""),
            code="" if captured else str(entity.get("error_reason") or entity.get("error_code") or "payment_failed"),
            message="" if captured else str(entity.get("error_description") or ""),
            raw=entity,
        ),
    )


def razorpay_refund_processed(message: InboundMessage) -> None:
    entity = _object(message.payload, "payload", "refund", "entity")
    currency = str(entity.get("currency") or "INR")
    _refund(
        message,
        str(entity.get("payment_id") or ""),
        str(entity.get("id") or ""),
        from_minor(entity["amount"], currency) if entity.get("amount") is not None else None,
        GatewayResult(
            outcome="succeeded",
            transaction_id=str(entity.get("id") or ""),
            gateway_status=str(entity.get("status") or "processed"),
            raw=entity,
        ),
    )


# --- Authorize.Net -------------------------------------------------------------------------


def authorizenet_transaction(message: InboundMessage) -> None:
    # A transaction held for review (responseCode 4) is settled by the merchant's fraud decision.
    transaction = _object(message.payload, "payload")
    topic = message.topic
    if topic.endswith("fraud.declined"):
        outcome = "declined"
    elif topic.endswith("fraud.approved") or str(transaction.get("responseCode")) == "1":
        outcome = "succeeded"
    else:
        outcome = "pending"
    _payment(
        message,
        str(transaction.get("id") or ""),
        GatewayResult(
            outcome=outcome,
            transaction_id=str(transaction.get("id") or ""),
            gateway_status=topic.removeprefix("net.authorize.payment."),
            code="fraud_declined" if outcome == "declined" else "",
            message="Declined by the merchant's fraud review." if outcome == "declined" else "",
            raw=transaction,
        ),
    )


def register() -> None:
    """Register the handlers (PaymentsConfig.ready)."""
    for provider, topic, handler in (
        ("stripe", "payment_intent.succeeded", stripe_payment_intent),
        ("stripe", "payment_intent.payment_failed", stripe_payment_intent),
        ("stripe", "charge.refunded", stripe_charge_refunded),
        ("paypal", "PAYMENT.CAPTURE.COMPLETED", paypal_capture),
        ("paypal", "PAYMENT.CAPTURE.DENIED", paypal_capture),
        ("paypal", "PAYMENT.CAPTURE.REFUNDED", paypal_capture_refunded),
        ("square", "payment.updated", square_payment_updated),
        ("square", "refund.updated", square_refund_updated),
        ("razorpay", "payment.captured", razorpay_payment),
        ("razorpay", "payment.failed", razorpay_payment),
        ("razorpay", "refund.processed", razorpay_refund_processed),
        ("authorizenet", "net.authorize.payment.authcapture.created", authorizenet_transaction),
        ("authorizenet", "net.authorize.payment.fraud.approved", authorizenet_transaction),
        ("authorizenet", "net.authorize.payment.fraud.declined", authorizenet_transaction),
    ):
        register_inbound_handler(provider, topic, handler)
