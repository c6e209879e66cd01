"""Gateway webhooks update the matching payment idempotently: fixtures through the handlers and the receiver."""

import uuid
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from integrations import services as integration_services
from integrations.inbound.registry import InboundMessage, handlers_for
from integrations.models import InboundEvent
from payments.models import Payment, Refund
from tests.payments.conftest import CREDENTIALS, fixture_bytes, fixture_data
from tests.support import signers
from tests.support.inbound import run_handlers
from webhooks.models import Delivery, Event
from webhooks.services import endpoint_create

pytestmark = pytest.mark.django_db


def deliver(company, provider: str, fixture: str) -> None:
    """Run the registered handlers on a fixture, as the inbound processing task does."""
    payload = fixture_data(provider, fixture)
    topic = payload.get("type") or payload.get("event_type") or payload.get("event") or payload.get("eventType")
    event_id = payload.get("id") or payload.get("event_id")
    run_handlers(company, provider, topic, payload, event_id=str(event_id) if event_id else None)


def _types(company) -> list[str]:
    return sorted(Event.objects.filter(company=company).values_list("type", flat=True))


@pytest.mark.parametrize(
    ("provider", "fixture", "transaction_id", "amount", "currency"),
    [
        ("stripe", "payment_intent_succeeded.json", "pi_3QJ5nTLkdIwHu7ix0pD8Kmq1", "29.35", "USD"),
        ("paypal", "payment_capture_completed.json", "42311647XV020574X", "29.35", "USD"),
        ("square", "payment_updated.json", "hYy9pRFVxpDsO1FB05SunFWUe9JZY", "29.35", "USD"),
        ("razorpay", "payment_captured.json", "pay_DESlfW9H8K9uqM", "1.00", "INR"),
        ("authorizenet", "authcapture_created.json", "60020981676", "29.35", "USD"),
    ],
)
def test_a_success_webhook_settles_a_pending_payment_once(
    company, make_payment, provider, fixture, transaction_id, amount, currency
):  # noqa: E501
    # given
    payment = make_payment(
        company, gateway=provider, transaction_id=transaction_id, amount=amount, currency=currency, status="pending"
    )
    # when the gateway sends the event twice
    deliver(company, provider, fixture)
    deliver(company, provider, fixture)
    # then
    payment.refresh_from_db()
    assert payment.status == "succeeded"
    assert payment.completed_at is not None
    assert _types(company) == ["payment.succeeded"]


def test_stripe_payment_failed_records_the_decline(company, make_payment):
    payment = make_payment(company, transaction_id="pi_3QJ7aBLkdIwHu7ix1qR4Tz9N", amount="42.00", status="pending")
    deliver(company, "stripe", "payment_intent_payment_failed.json")
    payment.refresh_from_db()
    assert (payment.status, payment.failure_code) == ("failed", "insufficient_funds")
    assert payment.failure_message == "Your card has insufficient funds."
    assert Event.objects.get(company=company, type="payment.failed").data["failureReason"] == "insufficient_funds"


def test_an_authorizenet_fraud_decline_fails_a_payment_held_for_review(company, make_payment):
    payment = make_payment(company, gateway="authorizenet", transaction_id="60020981677", status="pending")
    deliver(company, "authorizenet", "fraud_declined.json")
    payment.refresh_from_db()
    assert (payment.status, payment.failure_code) == ("failed", "fraud_declined")


def test_a_late_failure_does_not_undo_a_succeeded_payment(company, make_payment):
    payment = make_payment(company, transaction_id="pi_3QJ7aBLkdIwHu7ix1qR4Tz9N", amount="42.00")
    deliver(company, "stripe", "payment_intent_payment_failed.json")
    payment.refresh_from_db()
    assert payment.status == "succeeded"
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    ("provider", "fixture", "transaction_id", "gateway_refund_id", "amount", "currency", "refunded"),
    [
        (
            "stripe",
            "charge_refunded_partial.json",
            "pi_3QJ5nTLkdIwHu7ix0pD8Kmq1",
            "re_3QJ5nTLkdIwHu7ix0Zk1aB2c",
            "29.35",
            "USD",
            "10.00",
        ),  # noqa: E501
        ("paypal", "payment_capture_refunded.json", "42311647XV020574X", "1Y107995YT783435V", "29.35", "USD", "10.00"),
        (
            "square",
            "refund_updated.json",
            "hYy9pRFVxpDsO1FB05SunFWUe9JZY",
            "hYy9pRFVxpDsO1FB05SunFWUe9JZY_ptNZTYHJ1cNAfFRhB2Jj6T9ZUNuKgXDy5c1pDo2LHtD",
            "29.35",
            "USD",
            "10.00",
        ),
        ("razorpay", "refund_processed.json", "pay_DESlfW9H8K9uqM", "rfnd_FgRAHdNOM4ZVbO", "1.00", "INR", "0.40"),
    ],
)
def test_a_refund_made_in_the_gateway_is_recorded_once(
    company, make_payment, provider, fixture, transaction_id, gateway_refund_id, amount, currency, refunded
):  # noqa: E501
    # given
    payment = make_payment(company, gateway=provider, transaction_id=transaction_id, amount=amount, currency=currency)
    # when
    deliver(company, provider, fixture)
    deliver(company, provider, fixture)
    # then
    payment.refresh_from_db()
    refund = Refund.objects.get(payment=payment)
    assert (refund.gateway_refund_id, refund.amount, refund.status, refund.source) == (
        gateway_refund_id,
        Decimal(refunded),
        "succeeded",
        "webhook",
    )
    assert (payment.status, payment.amount_refunded) == ("partially_refunded", Decimal(refunded))
    assert _types(company) == ["payment.refunded"]


def test_a_refund_webhook_settles_the_hubs_pending_refund_instead_of_adding_one(company, make_payment):
    # given: a refund the hub asked for, still pending at Square
    payment = make_payment(company, gateway="square", transaction_id="hYy9pRFVxpDsO1FB05SunFWUe9JZY")
    ours = Refund.objects.create(
        company=company,
        payment=payment,
        amount=Decimal("10.00"),
        currency="USD",
        gateway_refund_id="hYy9pRFVxpDsO1FB05SunFWUe9JZY_ptNZTYHJ1cNAfFRhB2Jj6T9ZUNuKgXDy5c1pDo2LHtD",
    )
    # when
    deliver(company, "square", "refund_updated.json")
    # then
    ours.refresh_from_db()
    payment.refresh_from_db()
    assert ours.status == "succeeded"
    assert Refund.objects.filter(payment=payment).count() == 1
    assert payment.amount_refunded == Decimal("10.00")


def test_stripe_charge_refunded_without_a_refund_list_records_only_the_new_amount(company, make_payment):
    # given: 10.00 already refunded through the hub; Stripe now reports 15.00 refunded in total
    payment = make_payment(company, transaction_id="pi_3QJ5nTLkdIwHu7ix0pD8Kmq1", amount="29.35")
    Refund.objects.create(
        company=company,
        payment=payment,
        amount=Decimal("10.00"),
        currency="USD",
        status="succeeded",
        gateway_refund_id="re_ours",
    )
    Payment.objects.filter(id=payment.id).update(amount_refunded=Decimal("10.00"), status="partially_refunded")
    payload = fixture_data("stripe", "charge_refunded_partial.json")
    del payload["data"]["object"]["refunds"]
    payload["data"]["object"]["amount_refunded"] = 1500
    message = InboundMessage(
        uuid.uuid4(), company.id, uuid.uuid4(), "stripe", "charge.refunded", payload["id"], payload, timezone.now()
    )  # noqa: E501
    # when
    for handler in handlers_for("stripe", "charge.refunded"):
        handler(message)
    # then
    payment.refresh_from_db()
    assert payment.amount_refunded == Decimal("15.00")
    assert sorted(Refund.objects.filter(payment=payment).values_list("amount", flat=True)) == [
        Decimal("5.00"),
        Decimal("10.00"),
    ]  # noqa: E501


def test_a_webhook_for_another_companys_payment_changes_nothing(company, other_company, make_payment):
    theirs = make_payment(other_company, transaction_id="pi_3QJ5nTLkdIwHu7ix0pD8Kmq1", status="pending")
    deliver(company, "stripe", "payment_intent_succeeded.json")
    theirs.refresh_from_db()
    assert theirs.status == "pending"
    assert not Event.objects.exists()


def test_a_webhook_for_an_unknown_payment_is_ignored_quietly(company):
    deliver(company, "stripe", "payment_intent_succeeded.json")
    assert not Payment.objects.exists()


def test_events_are_written_with_the_change_and_none_survive_a_rollback(company, make_payment):
    # given
    payment = make_payment(company, transaction_id="pi_3QJ5nTLkdIwHu7ix0pD8Kmq1", status="pending")
    # when the transaction that settles the payment fails later
    with pytest.raises(RuntimeError), transaction.atomic():
        deliver(company, "stripe", "payment_intent_succeeded.json")
        assert Event.objects.filter(type="payment.succeeded").count() == 1  # written in the same transaction
        raise RuntimeError("a later step failed")
    # then neither the change nor its event exists
    payment.refresh_from_db()
    assert payment.status == "pending"
    assert not Event.objects.exists()


def test_the_delivery_of_a_payment_event_is_enqueued_only_on_commit(
    company, make_payment, django_capture_on_commit_callbacks
):  # noqa: E501
    endpoint_create(company_id=company.id, name="ERP", url="https://hooks.example.com/pay", events=["payment.*"])
    payment = make_payment(company, transaction_id="pi_3QJ5nTLkdIwHu7ix0pD8Kmq1", status="pending")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        deliver(company, "stripe", "payment_intent_succeeded.json")
    assert Delivery.objects.filter(event__type="payment.succeeded").count() == 1
    assert callbacks, "the delivery is enqueued when the transaction commits"
    payment.refresh_from_db()
    assert payment.status == "succeeded"


def test_a_signed_stripe_webhook_through_the_real_receiver_settles_the_payment(
    post_inbound, company, make_gateway_integration, make_payment
):  # noqa: E501
    # given
    integration = make_gateway_integration(company, "stripe", "https://api.stripe.com")
    payment = make_payment(
        company, transaction_id="pi_3QJ5nTLkdIwHu7ix0pD8Kmq1", status="pending", integration=integration
    )
    body = fixture_bytes("stripe", "payment_intent_succeeded.json")
    headers = signers.stripe_headers(
        body, secret=CREDENTIALS["stripe"]["webhookSecret"]
    )  # signed by the stripe library
    # when Stripe posts and the stored event is processed
    response = post_inbound(integration.id, body, {"Stripe-Signature": headers["Stripe-Signature"]})
    outcome = integration_services.inbound_event_process(event_id=InboundEvent.objects.get(integration=integration).id)
    # then
    assert response.status_code == 200, response.content
    assert outcome.status == "processed"
    payment.refresh_from_db()
    assert payment.status == "succeeded"
    assert Event.objects.filter(company=company, type="payment.succeeded").count() == 1


def test_a_badly_signed_stripe_webhook_changes_nothing(post_inbound, company, make_gateway_integration, make_payment):
    integration = make_gateway_integration(company, "stripe", "https://api.stripe.com")
    payment = make_payment(company, transaction_id="pi_3QJ5nTLkdIwHu7ix0pD8Kmq1", status="pending")
    body = fixture_bytes("stripe", "payment_intent_succeeded.json")
    headers = signers.stripe_headers(body, secret="whsec_someone_else")
    response = post_inbound(integration.id, body, {"Stripe-Signature": headers["Stripe-Signature"]})
    assert response.status_code == 401
    payment.refresh_from_db()
    assert payment.status == "pending"
