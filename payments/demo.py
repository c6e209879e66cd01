"""Demo data for `manage.py seed_demo`: past payments in each state, so lists and statistics have content.

The rows are history only (marked isTest, metadata.demo): no gateway is called and no event
is published. The sandbox rows are linked to the demo sandbox integration when it is seeded,
so refunding them works like refunding a fresh payment; the PayPal and Square rows are settled
history from gateways the demo does not connect to.
"""

from decimal import Decimal

from django.utils import timezone

from accounts.models import Company
from integrations.demo import sandbox_gateway
from payments.models import Payment, Refund

# (key, gateway, amount, currency, status, gateway transaction id, refunded)
PAYMENTS = [
    ("demo-1", "sandbox", "99.99", "USD", "succeeded", "pi_demo_1001", "0"),
    ("demo-2", "sandbox", "42.50", "USD", "partially_refunded", "pi_demo_1002", "10.00"),
    ("demo-3", "paypal", "120.00", "USD", "refunded", "8MC585209K746392H", "120.00"),
    ("demo-4", "square", "18.75", "USD", "failed", "R2B3Z8WMVt3EAmzYWLZvz7Y69EbZY", "0"),
    ("demo-5", "sandbox", "64.00", "USD", "pending", "pi_demo_1005", "0"),
]


def seed(company: Company) -> None:
    """Create the demo payments once (re-running changes nothing)."""
    now = timezone.now()
    sandbox = sandbox_gateway(company)
    for key, gateway, amount, currency, status, transaction_id, refunded in PAYMENTS:
        if Payment.objects.filter(company=company, idempotency_key=key).exists():
            continue
        payment = Payment.objects.create(
            company=company,
            gateway=gateway,
            integration=sandbox if gateway == "sandbox" else None,
            amount=Decimal(amount),
            currency=currency,
            amount_refunded=Decimal(refunded),
            status=status,
            gateway_transaction_id=transaction_id,
            customer_id="cus_demo",
            description=f"Demo payment {key}",
            metadata={"demo": True},
            idempotency_key=key,
            is_test=True,
            failure_code="card_declined" if status == "failed" else "",
            failure_message="Card declined." if status == "failed" else "",
            completed_at=None if status == "pending" else now,
        )
        if Decimal(refunded):
            Refund.objects.create(
                company=company,
                payment=payment,
                amount=Decimal(refunded),
                currency=currency,
                status=Refund.Status.SUCCEEDED,
                reason="requested_by_customer",
                gateway_refund_id=f"re_{key}",
                completed_at=now,
            )
