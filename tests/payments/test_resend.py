"""Reconciling a pending charge by re-sending it with the same idempotency key (service and admin action)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.utils import timezone

from payments import services
from payments.models import Payment
from tests.payments.conftest import stripe_intent

pytestmark = pytest.mark.django_db


@pytest.fixture
def stripe_gw(company, gateway, make_gateway_integration):
    return make_gateway_integration(company, "stripe", gateway.url)


def _timed_out_payment(company, gateway, stripe_gw) -> Payment:
    gateway.route("POST", "/v1/payment_intents", 200, stripe_intent("succeeded"), delay=1.5)
    result = services.payment_process(
        company_id=company.id,
        integration=stripe_gw,
        data=services.PaymentInput(amount=Decimal("20.00"), currency="USD", payment_method_id="pm_card_visa"),
    )
    assert result.outcome == "timeout"
    return result.payment


def test_a_timed_out_stripe_charge_is_settled_by_resending_the_same_idempotency_key(company, gateway, stripe_gw):
    # given
    payment = _timed_out_payment(company, gateway, stripe_gw)
    gateway.route("POST", "/v1/payment_intents", 200, stripe_intent("succeeded"))  # Stripe replays the first answer
    # when
    result = services.payment_resend(payment_id=payment.id)
    # then
    assert result.payment.status == "succeeded"
    keys = [r["headers"]["Idempotency-Key"] for r in gateway.requests]
    assert keys == [str(payment.id), str(payment.id)]


def test_a_gateway_without_idempotency_keys_is_not_resent(company, make_payment):
    payment = make_payment(company, gateway="authorizenet", transaction_id="", status="pending")
    with pytest.raises(services.ResendRefused, match="authorizenet"):
        services.payment_resend(payment_id=payment.id)


def test_a_charge_older_than_the_resend_window_is_not_resent(company, stripe_gw, make_payment):
    payment = make_payment(company, status="pending", integration=stripe_gw)
    Payment.objects.filter(id=payment.id).update(created_at=timezone.now() - timedelta(hours=13))
    with pytest.raises(services.ResendRefused, match="older than 12 hours"):
        services.payment_resend(payment_id=payment.id)


def test_the_admin_action_resends_pending_charges(client, django_user_model, company, gateway, stripe_gw):
    # given
    payment = _timed_out_payment(company, gateway, stripe_gw)
    gateway.route("POST", "/v1/payment_intents", 200, stripe_intent("succeeded"))
    client.force_login(django_user_model.objects.create_superuser("ops", "ops@example.com", "pw-ops-123"))
    # when
    response = client.post(
        "/admin/payments/payment/", {"action": "resend_pending", ACTION_CHECKBOX_NAME: [str(payment.id)]}, follow=True
    )
    # then
    assert response.status_code == 200
    assert "1 payment(s) settled" in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == "succeeded"
