"""A signed Stripe webhook settles a payment through the receiver and a real Celery worker."""

import pytest

from payments.models import Payment
from tests.payments.conftest import CREDENTIALS, fixture_bytes
from tests.support import signers
from tests.support.processes import start_worker, stop
from tests.support.waiting import wait_until
from webhooks.models import Event

pytestmark = pytest.mark.e2e


def test_a_worker_applies_a_stripe_payment_intent_succeeded_to_the_pending_payment(
    transactional_db, api, company, make_gateway_integration, make_payment
):
    # given
    integration = make_gateway_integration(company, "stripe", "https://api.stripe.com")
    payment = make_payment(
        company, transaction_id="pi_3QJ5nTLkdIwHu7ix0pD8Kmq1", status="pending", integration=integration
    )
    body = fixture_bytes("stripe", "payment_intent_succeeded.json")
    signature = signers.stripe_headers(body, secret=CREDENTIALS["stripe"]["webhookSecret"])["Stripe-Signature"]
    worker = start_worker(queues="inbound", concurrency=1)
    try:
        # when
        response = api.generic(
            "POST",
            f"/api/v1/inbound/{integration.id}/",
            body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=signature,
        )
        # then
        assert response.status_code == 200
        assert wait_until(lambda: Payment.objects.get(id=payment.id).status == "succeeded", 40)
        assert Event.objects.filter(company=company, type="payment.succeeded").count() == 1
    finally:
        stop(worker)
