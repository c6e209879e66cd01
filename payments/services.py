"""Writes of payments: charge through a gateway, refund, and apply the gateway's webhooks.

A gateway call never runs inside a database transaction: the payment (or refund) is first
committed as pending with its payment.created event, then the gateway is called, then the
answer is applied in a second transaction with its event and IntegrationLog row. A timeout
leaves the row pending for reconciliation (a webhook or an operator settles it), because the
gateway may have moved the money. Rows are settled with a locked read of a pending row, so
an API answer and a webhook racing for the same payment apply once.
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import money
from core.errors import InvalidInput
from core.idempotency import NO_KEY, IdempotencyKey, replay
from integrations.models import Integration
from logs.redaction import redact
from logs.services import log_record
from payments import selectors
from payments.gateways import adapter, resends_safely
from payments.gateways.base import ChargeRequest, GatewayResult, RefundRequest
from payments.gateways.transport import GatewayTimeout, GatewayUnreachable
from payments.models import Payment, Refund
from webhooks.services import event_publish

logger = logging.getLogger(__name__)

# Amounts are stored as numeric(14, 3).
MAX_AMOUNT = Decimal("100000000000")


class RefundRefused(InvalidInput):
    """400: the refund cannot be made (payment not captured, amount over the remainder).

    `field` is the input the refusal is about ("amount", or "payment" for its state); the
    details hold it with the message, plus context such as the refundable remainder.
    """

    def __init__(self, message: str, details: dict[str, Any] | None = None, *, field: str = "amount") -> None:
        context = {k: v for k, v in (details or {}).items() if k != field}
        super().__init__(message, details={field: message, **context})
        self.field = field


@dataclass
class PaymentInput:
    """A charge as received from the API."""

    amount: Decimal
    currency: str
    payment_method_id: str = ""
    customer_id: str = ""
    description: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    order_id: UUID | None = None
    is_test: bool = False


@dataclass
class ProcessResult:
    """outcome: succeeded, pending, declined, error, unreachable, timeout, unknown, or replayed."""

    payment: Payment
    outcome: str
    client_secret: str = ""


@dataclass
class RefundResult:
    refund: Refund
    payment: Payment
    outcome: str


# --- events and logs ---------------------------------------------------------------------


def _event_data(payment: Payment, **extra: Any) -> dict[str, Any]:
    data = {
        "paymentId": str(payment.id),
        "orderId": str(payment.order_id) if payment.order_id else None,
        "provider": payment.gateway,
        "amount": money.as_str(payment.amount, payment.currency),
        "currency": payment.currency,
        "status": payment.status,
        "gatewayTransactionId": payment.gateway_transaction_id or None,
        "customerId": payment.customer_id or None,
        "metadata": payment.metadata,
    }
    data.update(extra)
    return data


def _log(
    payment: Payment,
    *,
    operation: str,
    status: str,
    message: str,
    result: GatewayResult | None = None,
    extra: dict[str, Any] | None = None,
    user_id: int | None = None,
) -> None:
    metadata: dict[str, Any] = {
        "paymentId": str(payment.id),
        "amount": money.as_str(payment.amount, payment.currency),
        "currency": payment.currency,
        "gatewayTransactionId": payment.gateway_transaction_id,
        **(extra or {}),
    }
    error_details = None
    if result is not None and status == "error":
        error_details = {"code": result.code, "message": result.message, "httpStatus": result.http_status}
    log_record(
        company_id=payment.company_id,
        integration_type=payment.gateway,
        integration_id=payment.integration_id,
        operation=operation,
        status=status,
        message=message,
        error_details=error_details,
        external_product_id=payment.gateway_transaction_id,
        metadata=metadata,
        user_id=user_id,
    )


# --- charge ------------------------------------------------------------------------------


def _replay(*, company_id: UUID, idempotency: IdempotencyKey) -> ProcessResult | None:
    first = replay(Payment.objects.filter(company_id=company_id), idempotency, name="paymentId")
    return None if first is None else ProcessResult(payment=first, outcome="replayed")


@transaction.atomic
def _payment_insert(
    *, company_id: UUID, integration: Integration, data: PaymentInput, idempotency: IdempotencyKey
) -> Payment:
    payment = Payment.objects.create(
        company_id=company_id,
        integration=integration,
        gateway=integration.provider,
        amount=money.rounded(data.amount, data.currency),
        currency=data.currency,
        customer_id=data.customer_id,
        payment_method_id=data.payment_method_id,
        description=data.description,
        metadata=data.metadata,
        order_id=data.order_id,
        is_test=data.is_test,
        **idempotency.stored(),
    )
    event_publish(company_id, "payment.created", _event_data(payment))
    return payment


def payment_process(
    *,
    company_id: UUID,
    integration: Integration,
    data: PaymentInput,
    idempotency: IdempotencyKey = NO_KEY,
    user_id: int | None = None,
) -> ProcessResult:
    """Charge through the integration's gateway; a repeated Idempotency-Key returns the first payment.

    The same key with another body raises core.idempotency.IdempotencyKeyReused (422). Must not run inside a
    transaction: the pending payment is committed before the gateway is called.
    """
    repeat = _replay(company_id=company_id, idempotency=idempotency)
    if repeat is not None:
        return repeat
    try:
        payment = _payment_insert(company_id=company_id, integration=integration, data=data, idempotency=idempotency)
    except IntegrityError:  # a concurrent request with the same key won the insert
        repeat = _replay(company_id=company_id, idempotency=idempotency)
        if repeat is None:
            raise
        return repeat
    return _charge(payment, integration.values(), source="api", user_id=user_id)


def _charge(payment: Payment, values: dict[str, Any], *, source: str, user_id: int | None) -> ProcessResult:
    """Send a pending payment's charge to its gateway (outside any transaction) and apply the answer."""
    request = ChargeRequest(
        reference=str(payment.id),
        amount=payment.amount,
        currency=payment.currency,
        payment_method_id=payment.payment_method_id,
        customer_id=payment.customer_id,
        description=payment.description,
        metadata={k: v for k, v in payment.metadata.items() if isinstance(v, str | int | float)},
    )
    try:
        result = adapter(payment.gateway).charge(values, request)
    except GatewayTimeout as exc:
        _payment_unknown(payment, reason=str(exc), code="gateway_timeout", user_id=user_id)
        return ProcessResult(payment=payment, outcome="timeout")
    except GatewayUnreachable as exc:
        result = GatewayResult(outcome="unreachable", code="gateway_unreachable", message=str(exc))
    except Exception as exc:  # the request may have been sent: the outcome is unknown, not failed
        logger.exception("Charging payment %s through %s crashed", payment.id, payment.gateway)
        _payment_unknown(
            payment,
            reason=f"Unreadable gateway answer: {type(exc).__name__}.",
            code="gateway_answer_unreadable",
            user_id=user_id,
        )
        return ProcessResult(payment=payment, outcome="unknown")
    payment = _payment_settle(payment_id=payment.id, result=result, source=source, user_id=user_id)
    return ProcessResult(payment=payment, outcome=result.outcome, client_secret=result.client_secret)


class ResendRefused(Exception):
    """The pending payment's charge cannot be sent again safely."""


def payment_resend(*, payment_id: UUID, user_id: int | None = None) -> ProcessResult:
    """Reconcile a pending payment by sending its charge again with the same idempotency key.

    Stripe (Idempotency-Key), PayPal (PayPal-Request-Id) and Square (idempotency_key) return
    the first attempt's result for a repeated key, so a charge that timed out is learned, not
    repeated. Keys expire at the gateways (Stripe after 24 hours), hence the age limit.
    """
    payment = Payment.objects.select_related("integration").get(id=payment_id)
    if payment.status != Payment.Status.PENDING:
        return ProcessResult(payment=payment, outcome="unchanged")
    if not resends_safely(payment.gateway):
        raise ResendRefused(f"{payment.gateway} has no idempotency key: settle it from the gateway's dashboard.")
    if payment.integration is None:
        raise ResendRefused("The payment's integration was deleted.")
    age = timezone.now() - payment.created_at
    if age > timedelta(hours=settings.PAYMENTS_RESEND_WINDOW_HOURS):
        raise ResendRefused(
            f"The payment is older than {settings.PAYMENTS_RESEND_WINDOW_HOURS} hours: the gateway may have "
            "forgotten its idempotency key, so sending again could charge twice."
        )
    return _charge(payment, payment.integration.values(), source="resend", user_id=user_id)


def _payment_unknown(payment: Payment, *, reason: str, code: str, user_id: int | None) -> None:
    """Keep the payment pending: the gateway may or may not have charged; reconciliation decides."""
    _log(
        payment,
        operation="export",
        status="pending",
        message=f"Charge outcome unknown, left pending for reconciliation: {reason}",
        extra={"code": code},
        user_id=user_id,
    )


def _apply_payment(payment: Payment, result: GatewayResult) -> bool:
    """Apply a gateway result to a locked payment; return whether its status changed."""
    before = payment.status
    if result.outcome == "succeeded":
        payment.status = Payment.Status.SUCCEEDED
        payment.failure_code = payment.failure_message = ""
    elif result.outcome in ("declined", "error", "unreachable"):
        payment.status = Payment.Status.FAILED
        payment.failure_code = (result.code or result.outcome)[:120]
        payment.failure_message = result.message or f"The gateway answered {result.outcome}."
    if payment.status != Payment.Status.PENDING and payment.completed_at is None:
        payment.completed_at = timezone.now()
    payment.gateway_transaction_id = result.transaction_id or payment.gateway_transaction_id
    payment.gateway_status = (result.gateway_status or payment.gateway_status)[:64]
    if result.raw is not None:
        payment.gateway_response = redact(result.raw)
    payment.save()
    return payment.status != before


def _publish_status(payment: Payment) -> None:
    if payment.status == Payment.Status.SUCCEEDED:
        event_publish(payment.company_id, "payment.succeeded", _event_data(payment))
    elif payment.status == Payment.Status.FAILED:
        event_publish(
            payment.company_id,
            "payment.failed",
            _event_data(payment, failureReason=payment.failure_code, failureMessage=payment.failure_message),
        )


@transaction.atomic
def _payment_settle(*, payment_id: UUID, result: GatewayResult, source: str, user_id: int | None = None) -> Payment:
    payment = Payment.objects.select_for_update().get(id=payment_id)
    if payment.status != Payment.Status.PENDING:
        return payment  # a webhook settled it first
    changed = _apply_payment(payment, result)
    if changed:
        _publish_status(payment)
    ok = result.outcome in ("succeeded", "pending")
    _log(
        payment,
        operation="export",
        status="success" if result.outcome == "succeeded" else ("pending" if ok else "error"),
        message=(
            f"Charge {payment.status}: {money.as_str(payment.amount, payment.currency)} {payment.currency}"
            + (
                f" ({payment.failure_code}: {payment.failure_message})"
                if payment.status == Payment.Status.FAILED
                else ""
            )
        ),
        result=result,
        extra={"gatewayStatus": payment.gateway_status, "source": source},
        user_id=user_id,
    )
    return payment


# --- refunds -----------------------------------------------------------------------------


@transaction.atomic
def _refund_reserve(
    *,
    company_id: UUID,
    payment_id: UUID,
    amount: Decimal | None,
    reason: str,
    metadata: dict[str, Any],
    idempotency: IdempotencyKey,
) -> Refund:
    payment = Payment.objects.select_for_update().get(company_id=company_id, id=payment_id)
    if not payment.refundable():
        raise RefundRefused(
            f"A {payment.status} payment cannot be refunded; only succeeded or partially refunded ones can.",
            {"status": payment.status},
            field="payment",
        )
    if payment.integration_id is None:
        raise RefundRefused(
            "The payment's gateway integration was deleted; refund it in the gateway's dashboard "
            "(its webhook then records the refund here).",
            field="payment",
        )
    remainder = payment.amount - selectors.refunded_or_reserved(payment=payment)
    amount = remainder if amount is None else amount
    if not money.fits(amount, payment.currency):
        raise RefundRefused(
            f"{payment.currency} amounts have at most {money.minor_units(payment.currency)} decimal places.",
            {"amount": str(amount)},
        )
    if amount <= 0 or amount > remainder:
        refundable = money.as_str(remainder, payment.currency)
        raise RefundRefused(
            f"The refund amount must be more than 0 and at most the refundable remainder "
            f"{refundable} {payment.currency}.",
            {"amount": money.as_str(amount, payment.currency), "refundable": refundable, "currency": payment.currency},
        )
    return Refund.objects.create(
        company_id=company_id,
        payment=payment,
        amount=amount,
        currency=payment.currency,
        reason=reason,
        metadata=metadata,
        **idempotency.stored(),
    )


def _refund_replay(*, company_id: UUID, idempotency: IdempotencyKey) -> RefundResult | None:
    refunds = Refund.objects.select_related("payment").filter(company_id=company_id)
    first = replay(refunds, idempotency, name="refundId")
    return None if first is None else RefundResult(refund=first, payment=first.payment, outcome="replayed")


def refund_create(
    *,
    company_id: UUID,
    payment_id: UUID,
    amount: Decimal | None = None,
    reason: str = "",
    metadata: dict[str, Any] | None = None,
    idempotency: IdempotencyKey = NO_KEY,
    user_id: int | None = None,
) -> RefundResult:
    """Refund all or part of a captured payment through its gateway (Payment.DoesNotExist for another company's).

    The remainder counts pending refunds too, so two concurrent refunds cannot exceed the payment.
    A repeated Idempotency-Key returns the first refund; with another body, IdempotencyKeyReused.
    """
    repeat = _refund_replay(company_id=company_id, idempotency=idempotency)
    if repeat is not None:
        return repeat
    try:
        refund = _refund_reserve(
            company_id=company_id,
            payment_id=payment_id,
            amount=amount,
            reason=reason,
            metadata=metadata or {},
            idempotency=idempotency,
        )
    except IntegrityError:  # a concurrent request with the same key won the insert
        repeat = _refund_replay(company_id=company_id, idempotency=idempotency)
        if repeat is None:
            raise
        return repeat
    payment = refund.payment
    integration = payment.integration
    assert integration is not None  # _refund_reserve refuses payments without one
    request = RefundRequest(
        reference=str(refund.id),
        transaction_id=payment.gateway_transaction_id,
        amount=refund.amount,
        currency=refund.currency,
        reason=reason,
        payment_response=payment.gateway_response if isinstance(payment.gateway_response, dict) else None,
    )
    try:
        result = adapter(payment.gateway).refund(integration.values(), request)
    except GatewayTimeout as exc:
        _log(
            payment,
            operation="update",
            status="pending",
            message=f"Refund outcome unknown, left pending: {exc}",
            extra={"refundId": str(refund.id)},
            user_id=user_id,
        )
        return RefundResult(refund=refund, payment=payment, outcome="timeout")
    except GatewayUnreachable as exc:
        result = GatewayResult(outcome="unreachable", code="gateway_unreachable", message=str(exc))
    except Exception as exc:
        logger.exception("Refund %s through %s crashed", refund.id, payment.gateway)
        _log(
            payment,
            operation="update",
            status="pending",
            message=f"Refund outcome unknown: {type(exc).__name__}.",
            extra={"refundId": str(refund.id)},
            user_id=user_id,
        )
        return RefundResult(refund=refund, payment=payment, outcome="unknown")
    return _refund_finish(refund_id=refund.id, result=result, user_id=user_id)


def _apply_refund(payment: Payment, refund: Refund, result: GatewayResult) -> bool:
    """Apply a gateway result to a locked pending refund and its payment; return whether money moved."""
    refund.gateway_refund_id = result.transaction_id or refund.gateway_refund_id
    refund.gateway_status = (result.gateway_status or refund.gateway_status)[:64]
    if result.raw is not None:
        refund.gateway_response = redact(result.raw)
    moved = False
    if result.outcome == "succeeded":
        refund.status = Refund.Status.SUCCEEDED
        refund.completed_at = timezone.now()
        payment.amount_refunded += refund.amount
        payment.status = (
            Payment.Status.REFUNDED if payment.amount_refunded >= payment.amount else Payment.Status.PARTIALLY_REFUNDED
        )
        payment.save(update_fields=["amount_refunded", "status", "updated_at"])
        moved = True
    elif result.outcome in ("declined", "error", "unreachable"):
        refund.status = Refund.Status.FAILED
        refund.completed_at = timezone.now()
        refund.failure_code = (result.code or result.outcome)[:120]
        refund.failure_message = result.message or f"The gateway answered {result.outcome}."
    refund.save()
    if moved:
        event_publish(
            payment.company_id,
            "payment.refunded",
            _event_data(
                payment,
                refundId=str(refund.id),
                refundAmount=money.as_str(refund.amount, refund.currency),
                amountRefunded=money.as_str(payment.amount_refunded, payment.currency),
                reason=refund.reason or None,
            ),
        )
    return moved


@transaction.atomic
def _refund_finish(*, refund_id: UUID, result: GatewayResult, user_id: int | None = None) -> RefundResult:
    refund = Refund.objects.select_related("payment").get(id=refund_id)
    payment = Payment.objects.select_for_update().get(id=refund.payment_id)
    refund = Refund.objects.select_for_update().get(id=refund_id)
    if refund.status == Refund.Status.PENDING:
        _apply_refund(payment, refund, result)
        _log(
            payment,
            operation="update",
            status={"succeeded": "success", "pending": "pending"}.get(result.outcome, "error"),
            message=f"Refund {refund.status}: {money.as_str(refund.amount, refund.currency)} {refund.currency}"
            + (f" ({refund.failure_code}: {refund.failure_message})" if refund.status == Refund.Status.FAILED else ""),
            result=result,
            extra={"refundId": str(refund.id), "gatewayRefundId": refund.gateway_refund_id},
            user_id=user_id,
        )
    refund.payment = payment
    return RefundResult(refund=refund, payment=payment, outcome=result.outcome)


# --- inbound webhooks --------------------------------------------------------------------


def _locked_payment(*, company_id: UUID, gateway: str, transaction_id: str) -> Payment | None:
    if not transaction_id:
        return None
    return (
        Payment.objects.select_for_update()
        .filter(company_id=company_id, gateway=gateway, gateway_transaction_id=transaction_id)
        .first()
    )


@transaction.atomic
def payment_webhook_update(
    *, company_id: UUID, gateway: str, transaction_id: str, result: GatewayResult
) -> Payment | None:
    """Apply a gateway's payment webhook; a repeat, or news older than what we know, changes nothing.

    Moves allowed: pending → succeeded/failed, failed → succeeded (the customer retried in the
    gateway's own page). A payment we never made is ignored (None).
    """
    payment = _locked_payment(company_id=company_id, gateway=gateway, transaction_id=transaction_id)
    if payment is None:
        return None
    allowed = payment.status == Payment.Status.PENDING or (
        payment.status == Payment.Status.FAILED and result.outcome == "succeeded"
    )
    if not allowed or result.outcome == "pending":
        return payment
    if _apply_payment(payment, result):
        _publish_status(payment)
        _log(
            payment,
            operation="webhook",
            status="success" if payment.status == Payment.Status.SUCCEEDED else "error",
            message=f"Payment {payment.status} by {gateway} webhook.",
            result=result,
            extra={"gatewayStatus": payment.gateway_status, "source": "webhook"},
        )
    return payment


@transaction.atomic
def refund_webhook_update(
    *,
    company_id: UUID,
    gateway: str,
    transaction_id: str,
    gateway_refund_id: str,
    amount: Decimal | None,
    result: GatewayResult,
    cumulative: bool = False,
) -> Refund | None:
    """Apply a gateway's refund webhook: settle our pending refund, or record one made in the gateway's dashboard.

    Idempotent: a refund already settled, or already recorded under its gateway id, changes nothing.
    With `cumulative`, `amount` is the payment's total refunded so far (Stripe's amount_refunded)
    and only what exceeds the refunds we know is recorded.
    """
    payment = _locked_payment(company_id=company_id, gateway=gateway, transaction_id=transaction_id)
    if payment is None:
        return None
    refund = (
        Refund.objects.select_for_update().filter(payment=payment, gateway_refund_id=gateway_refund_id).first()
        if gateway_refund_id
        else None
    )
    if refund is None:
        if result.outcome != "succeeded" or not payment.refundable():
            return None
        known = selectors.refunded_or_reserved(payment=payment)
        remainder = payment.amount - known
        if cumulative and amount is not None:
            amount -= known
        amount = min(amount if amount is not None else remainder, remainder)
        if amount <= 0:
            return None  # already accounted for by refunds the hub made
        refund = Refund.objects.create(
            company_id=company_id,
            payment=payment,
            amount=amount,
            currency=payment.currency,
            gateway_refund_id=gateway_refund_id,
            source="webhook",
            reason="made in the gateway",
        )
    if refund.status != Refund.Status.PENDING or result.outcome == "pending":
        return refund
    _apply_refund(payment, refund, result)
    _log(
        payment,
        operation="webhook",
        status="success" if refund.status == Refund.Status.SUCCEEDED else "error",
        message=f"Refund {refund.status} by {gateway} webhook: "
        f"{money.as_str(refund.amount, refund.currency)} {refund.currency}.",
        result=result,
        extra={"refundId": str(refund.id), "gatewayRefundId": refund.gateway_refund_id, "source": "webhook"},
    )
    return refund
