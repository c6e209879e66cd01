"""Reads of payments, always scoped to one company: lists, one payment, the gateway integration, statistics."""

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db.models import Count, Q, QuerySet, Sum

from core import money
from integrations.models import Integration
from integrations.selectors import integration_list
from orders import selectors as order_selectors
from payments.gateways import gateway_keys
from payments.models import Payment, Refund

# Payments whose money was captured (refunds do not make a payment less successful).
CAPTURED = (Payment.Status.SUCCEEDED, Payment.Status.REFUNDED, Payment.Status.PARTIALLY_REFUNDED)


def payment_list(*, company_id: UUID) -> QuerySet[Payment]:
    """Return the company's payments, newest first (the list's FilterSet narrows them)."""
    return Payment.objects.filter(company_id=company_id).order_by("-created_at", "-id")


def payment_get(*, company_id: UUID, payment_id: UUID | str) -> Payment:
    """Return one payment with its refunds (Payment.DoesNotExist for another company's)."""
    return Payment.objects.prefetch_related("refunds").get(company_id=company_id, id=payment_id)


def payment_by_reference(*, company_id: UUID, reference: str) -> Payment | None:
    """Return the payment named by our id or by the gateway's transaction id (source API 003's transactionId)."""
    qs = Payment.objects.filter(company_id=company_id)
    try:
        return qs.get(id=UUID(reference))
    except (ValueError, Payment.DoesNotExist):
        return qs.filter(gateway_transaction_id=reference).exclude(gateway_transaction_id="").first()


def gateway_integration(*, company_id: UUID, gateway: str | None, integration_id: UUID | None) -> Integration | None:
    """Return the integration to charge through: the one named, else the company's active one of that gateway."""
    qs = integration_list(company_id=company_id).filter(provider__in=gateway_keys())
    if integration_id is not None:
        return qs.filter(id=integration_id).first()
    return qs.filter(provider=gateway, status=Integration.Status.ACTIVE).order_by("created_at", "id").first()


def order_exists(*, company_id: UUID, order_id: UUID) -> bool:
    """Return whether the company has this order (a payment may name one)."""
    return order_selectors.order_list(company_id=company_id).filter(id=order_id).exists()


def refunded_or_reserved(*, payment: Payment) -> Decimal:
    """Return the amount refunded plus what pending refunds hold: the remainder is what may still be refunded."""
    total = payment.refunds.filter(status__in=[Refund.Status.PENDING, Refund.Status.SUCCEEDED]).aggregate(
        total=Sum("amount")
    )["total"]
    return total or Decimal("0")


def _volumes(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        currency = row["currency"]
        volume = row["volume"] or Decimal("0")
        entry = out.setdefault(currency, {"count": 0, "volume": Decimal("0")})
        entry["count"] += row["n"]
        entry["volume"] += volume
    for currency, entry in out.items():
        entry["average"] = money.as_str(entry["volume"] / entry["count"], currency) if entry["count"] else None
        entry["volume"] = money.as_str(entry["volume"], currency)
    return out


def _single(by_currency: dict[str, dict[str, Any]], key: str) -> str | None:
    """A total across currencies means nothing: it is given only when one currency is involved."""
    return next(iter(by_currency.values()))[key] if len(by_currency) == 1 else None


def payment_stats(
    *, company_id: UUID, start: datetime | None = None, end: datetime | None = None, gateway: str | None = None
) -> dict[str, Any]:
    """Return source API 003's payment statistics over a period: counts, volumes, averages, per gateway."""
    qs = payment_list(company_id=company_id)
    if start is not None:
        qs = qs.filter(created_at__gte=start)
    if end is not None:
        qs = qs.filter(created_at__lte=end)
    if gateway:
        qs = qs.filter(gateway=gateway)
    counts = qs.aggregate(
        total=Count("id"),
        succeeded=Count("id", filter=Q(status__in=CAPTURED)),
        failed=Count("id", filter=Q(status=Payment.Status.FAILED)),
        pending=Count("id", filter=Q(status=Payment.Status.PENDING)),
        refunded=Count("id", filter=Q(status__in=[Payment.Status.REFUNDED, Payment.Status.PARTIALLY_REFUNDED])),
    )
    captured = qs.filter(status__in=CAPTURED)
    by_currency = _volumes(
        list(captured.values("currency").annotate(n=Count("id"), volume=Sum("amount")).order_by("currency"))
    )
    refunds = _volumes(
        list(
            captured.filter(amount_refunded__gt=0)
            .values("currency")
            .annotate(n=Count("id"), volume=Sum("amount_refunded"))
            .order_by("currency")
        )
    )
    by_gateway: dict[str, Any] = {}
    # order_by("gateway") replaces the list's ordering: kept, its columns would join the GROUP BY
    # and split each gateway into one row per payment (the last, oldest, row then won).
    for row in (
        qs.values("gateway")
        .annotate(
            n=Count("id"),
            ok=Count("id", filter=Q(status__in=CAPTURED)),
            failed=Count("id", filter=Q(status=Payment.Status.FAILED)),
        )
        .order_by("gateway")
    ):
        volumes = _volumes(
            list(
                captured.filter(gateway=row["gateway"])
                .values("currency")
                .annotate(n=Count("id"), volume=Sum("amount"))
                .order_by("currency")
            )
        )
        by_gateway[row["gateway"]] = {
            "count": row["n"],
            "successful": row["ok"],
            "failed": row["failed"],
            "volume": _single(volumes, "volume"),
            "byCurrency": volumes,
        }
    integrations = integration_list(company_id=company_id).filter(provider__in=gateway_keys())
    settled = counts["succeeded"] + counts["failed"]
    return {
        "period": {"startDate": start, "endDate": end},
        "totalPayments": counts["total"],
        "successfulPayments": counts["succeeded"],
        "failedPayments": counts["failed"],
        "pendingPayments": counts["pending"],
        "refundedPayments": counts["refunded"],
        "successRate": round(counts["succeeded"] / settled * 100, 2) if settled else None,
        "totalVolume": _single(by_currency, "volume"),
        "averageAmount": _single(by_currency, "average"),
        "refundedVolume": _single(refunds, "volume"),
        "byCurrency": by_currency,
        "gateways": {
            "total": integrations.count(),
            "active": integrations.filter(status=Integration.Status.ACTIVE).count(),
            "available": sorted(set(integrations.values_list("provider", flat=True))),
            "supported": list(gateway_keys()),
        },
        "byGateway": by_gateway,
    }
