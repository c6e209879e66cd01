"""The payment endpoints: charge, idempotency, gateway failures, refunds, lists, stats, scopes and tenancy."""

from decimal import Decimal
from urllib.parse import parse_qs

import pytest

from logs.models import IntegrationLog
from orders import services as order_services
from payments.models import Payment, Refund
from tests.payments.conftest import stripe_card_error, stripe_intent, stripe_refund
from webhooks.models import Event

pytestmark = pytest.mark.django_db

URL = "/api/v1/payments"


def _body(**overrides):
    body = {
        "gateway": "stripe",
        "amount": 99.99,
        "currency": "USD",
        "customerId": "cus_123",
        "paymentMethodId": "pm_card_visa",
        "description": "Order #12345",
        "metadata": {"orderId": "12345", "source": "online_store"},
    }
    body.update(overrides)
    return body


@pytest.fixture
def stripe_gw(company, gateway, make_gateway_integration):
    return make_gateway_integration(company, "stripe", gateway.url)


def _events(company, event_type: str) -> list[Event]:
    return list(Event.objects.filter(company=company, type=event_type))


# --- charge ------------------------------------------------------------------------------


def test_a_successful_charge_answers_201_publishes_events_and_logs_an_export(
    api, company, gateway, stripe_gw, pay_headers
):
    # given
    gateway.route("POST", "/v1/payment_intents", 200, stripe_intent("succeeded"))
    # when
    response = api.post(URL, _body(), format="json", **pay_headers)
    # then
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["status"], data["amount"], data["currency"], data["gateway"]) == (
        "succeeded",
        "99.99",
        "USD",
        "stripe",
    )
    assert data["gatewayTransactionId"] == "pi_3QJ5nTLkdIwHu7ix0pD8Kmq1"
    assert data["transactionId"] == data["id"]
    assert data["clientSecret"] == "pi_3QJ5nTLkdIwHu7ix0pD8Kmq1_secret_xyz"
    assert data["metadata"] == {"orderId": "12345", "source": "online_store"}  # free-form: keys as sent
    assert data["createdAt"].endswith("Z")
    assert [e.data["status"] for e in _events(company, "payment.created")] == ["pending"]
    succeeded = _events(company, "payment.succeeded")
    assert [(e.data["paymentId"], e.data["amount"]) for e in succeeded] == [(data["id"], "99.99")]
    log = IntegrationLog.objects.get(company=company, integration_type="stripe", operation="export")
    assert (log.status, log.integration_id) == ("success", stripe_gw.id)
    assert "sk_test" not in str(log.metadata) + log.message
    stored = Payment.objects.get(id=data["id"])
    assert "client_secret" not in str(stored.gateway_response) or "[REDACTED]" in str(stored.gateway_response)


def test_the_amount_is_sent_in_minor_units_of_a_three_decimal_currency(api, gateway, stripe_gw, pay_headers):
    gateway.route("POST", "/v1/payment_intents", 200, stripe_intent("succeeded"))
    response = api.post(URL, _body(amount="12.345", currency="kwd"), format="json", **pay_headers)
    assert response.status_code == 201
    assert (response.json()["amount"], response.json()["currency"]) == ("12.345", "KWD")
    assert parse_qs(gateway.requests[0]["body"].decode())["amount"] == ["12345"]


def test_an_idempotency_key_repeat_returns_the_first_payment_without_charging_again(
    api, company, gateway, stripe_gw, pay_headers
):  # noqa: E501
    # given
    gateway.route("POST", "/v1/payment_intents", 200, stripe_intent("succeeded"))
    first = api.post(URL, _body(), format="json", HTTP_IDEMPOTENCY_KEY="order-12345-charge", **pay_headers)
    # when
    repeat = api.post(URL, _body(), format="json", HTTP_IDEMPOTENCY_KEY="order-12345-charge", **pay_headers)
    # then
    assert (first.status_code, repeat.status_code) == (201, 200)
    assert repeat.json()["id"] == first.json()["id"]
    assert repeat["Idempotent-Replayed"] == "true"
    assert len(gateway.requests) == 1
    assert Payment.objects.filter(company=company).count() == 1
    assert len(_events(company, "payment.created")) == 1


def test_an_idempotency_key_reused_with_another_body_answers_422(api, gateway, stripe_gw, pay_headers):
    gateway.route("POST", "/v1/payment_intents", 200, stripe_intent("succeeded"))
    api.post(URL, _body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1", **pay_headers)
    response = api.post(URL, _body(amount=5), format="json", HTTP_IDEMPOTENCY_KEY="k-1", **pay_headers)
    assert response.status_code == 422
    assert response.json()["statusCode"] == 422


def test_a_decline_answers_402_with_the_failed_payment_and_publishes_payment_failed(
    api, company, gateway, stripe_gw, pay_headers
):  # noqa: E501
    # given
    gateway.route("POST", "/v1/payment_intents", 402, stripe_card_error("insufficient_funds"))
    # when
    response = api.post(URL, _body(), format="json", **pay_headers)
    # then
    assert response.status_code == 402
    body = response.json()
    assert (body["statusCode"], body["error"]) == (402, "Payment Required")
    assert "insufficient funds" in body["message"]
    payment = body["details"]["payment"]
    assert (payment["status"], payment["failureCode"]) == ("failed", "insufficient_funds")
    assert [e.data["failureReason"] for e in _events(company, "payment.failed")] == ["insufficient_funds"]
    assert IntegrationLog.objects.get(company=company, operation="export").status == "error"


def test_a_gateway_5xx_answers_502_and_fails_the_payment(api, company, gateway, stripe_gw, pay_headers):
    gateway.route(
        "POST", "/v1/payment_intents", 500, {"error": {"type": "api_error", "message": "Something went wrong"}}
    )
    response = api.post(URL, _body(), format="json", **pay_headers)
    assert response.status_code == 502
    assert response.json()["details"]["payment"]["status"] == "failed"


def test_a_timeout_answers_504_and_leaves_the_payment_pending_for_reconciliation(
    api, company, gateway, stripe_gw, pay_headers
):  # noqa: E501
    # given
    gateway.route("POST", "/v1/payment_intents", 200, stripe_intent("succeeded"), delay=1.5)
    # when
    response = api.post(URL, _body(), format="json", **pay_headers)
    # then
    assert response.status_code == 504
    assert response.json()["details"]["payment"]["status"] == "pending"
    assert Payment.objects.get(company=company).status == "pending"
    assert not _events(company, "payment.failed") and not _events(company, "payment.succeeded")
    assert IntegrationLog.objects.get(company=company, operation="export").status == "pending"


def test_a_gateway_without_an_integration_answers_400(api, pay_headers):
    response = api.post(URL, _body(gateway="square"), format="json", **pay_headers)
    assert response.status_code == 400
    assert "square" in response.json()["details"]["gateway"]


def test_an_integration_id_picks_the_integration(api, company, gateway, make_gateway_integration, pay_headers):
    gateway.route("POST", "/v2/payments", 200, {"payment": {"id": "sq_1", "status": "COMPLETED"}})
    integration = make_gateway_integration(company, "square", gateway.url)
    body = _body(integrationId=str(integration.id), source="cnon:card-nonce-ok")
    del body["gateway"], body["paymentMethodId"]
    response = api.post(URL, body, format="json", **pay_headers)
    assert response.status_code == 201
    assert (response.json()["gateway"], response.json()["paymentMethodId"]) == ("square", "cnon:card-nonce-ok")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": -5}, "amount"),
        ({"amount": 0}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"currency": "US"}, "currency"),
        ({"currency": "JPY", "amount": "10.5"}, "amount"),
        ({"gateway": "bitcoin"}, "gateway"),
        ({"orderId": "not-a-uuid"}, "orderId"),
        ({"metadata": "x"}, "metadata"),
    ],
)
def test_bad_input_answers_400_naming_the_field(api, stripe_gw, pay_headers, overrides, field):
    response = api.post(URL, _body(**overrides), format="json", **pay_headers)
    assert response.status_code == 400
    assert field in response.json()["details"]


def test_an_invalid_gateway_names_the_allowed_values(api, pay_headers):
    response = api.post(URL, _body(gateway="bitcoin"), format="json", **pay_headers)
    assert "allowed values: stripe, paypal, square, authorizenet, razorpay" in response.json()["details"]["gateway"][0]


def test_a_key_without_payments_write_gets_403(api, company, make_key, stripe_gw):
    headers = make_key(company, scopes=["payments:read"])
    response = api.post(URL, _body(), format="json", **headers)
    assert response.status_code == 403
    assert response.json()["details"]["requiredScopes"] == ["payments:write"]


def test_another_companys_integration_cannot_be_charged(
    api, other_company, gateway, make_gateway_integration, pay_headers
):  # noqa: E501
    theirs = make_gateway_integration(other_company, "stripe", gateway.url)
    body = _body(integrationId=str(theirs.id))
    del body["gateway"]
    response = api.post(URL, body, format="json", **pay_headers)
    assert response.status_code == 400
    assert not gateway.requests


# --- read --------------------------------------------------------------------------------


def test_another_companys_payment_is_not_found(api, other_company, make_payment, pay_headers):
    theirs = make_payment(other_company, transaction_id="pi_theirs")
    for response in (
        api.get(f"{URL}/{theirs.id}", **pay_headers),
        api.post(f"{URL}/{theirs.id}/refunds", {"amount": "1.00"}, format="json", **pay_headers),
        api.post(f"{URL}/refund", {"transactionId": "pi_theirs"}, format="json", **pay_headers),
    ):
        assert response.status_code == 404
        assert response.json()["statusCode"] == 404


def test_the_list_filters_by_status_gateway_and_dates_and_paginates(
    api, company, other_company, make_payment, pay_headers
):  # noqa: E501
    # given
    make_payment(company, gateway="stripe", transaction_id="pi_1")
    make_payment(company, gateway="square", transaction_id="sq_1")
    make_payment(company, gateway="stripe", transaction_id="pi_2", status="failed")
    make_payment(other_company, gateway="stripe", transaction_id="pi_x")
    # when
    everything = api.get(URL, {"limit": 2}, **pay_headers).json()
    stripe_ok = api.get(URL, {"gateway": "stripe", "status": "succeeded", "startDate": "2000-01-01"}, **pay_headers)
    none_yet = api.get(URL, {"endDate": "2000-01-01"}, **pay_headers).json()
    # then
    assert everything["pagination"] == {
        "page": 1,
        "limit": 2,
        "total": 3,
        "totalPages": 2,
        "hasNext": True,
        "hasPrev": False,
    }  # noqa: E501
    assert [p["gatewayTransactionId"] for p in stripe_ok.json()["payments"]] == ["pi_1"]
    assert none_yet["payments"] == []


def test_an_invalid_list_filter_answers_400_naming_the_allowed_values(api, pay_headers):
    response = api.get(URL, {"status": "paid"}, **pay_headers)
    assert response.status_code == 400
    assert "allowed values: pending, succeeded" in response.json()["details"]["status"][0]


def test_stats_count_volumes_and_gateways_over_a_period(api, company, make_payment, stripe_gw, pay_headers):
    # given
    make_payment(company, gateway="stripe", amount="100.00")
    make_payment(company, gateway="stripe", amount="50.50", status="partially_refunded", amount_refunded=Decimal("10"))
    make_payment(company, gateway="paypal", amount="20.00", status="failed")
    # when
    data = api.get(f"{URL}/stats", **pay_headers).json()
    # then
    assert (data["totalPayments"], data["successfulPayments"], data["failedPayments"]) == (3, 2, 1)
    assert (data["totalVolume"], data["averageAmount"], data["refundedVolume"]) == ("150.50", "75.25", "10.00")
    assert data["successRate"] == pytest.approx(66.67)
    assert data["byGateway"]["stripe"]["volume"] == "150.50"
    assert data["byGateway"]["paypal"] == {"count": 1, "successful": 0, "failed": 1, "volume": None, "byCurrency": {}}
    assert data["gateways"] == {
        "total": 1,
        "active": 1,
        "available": ["stripe"],
        "supported": ["stripe", "paypal", "square", "authorizenet", "razorpay", "sandbox"],
    }  # noqa: E501
    later = api.get(f"{URL}/stats", {"startDate": "2999-01-01"}, **pay_headers).json()
    assert later["totalPayments"] == 0 and later["totalVolume"] is None


def test_stats_give_no_total_across_currencies(api, company, make_payment, pay_headers):
    make_payment(company, amount="10.00", currency="USD")
    make_payment(company, amount="10.000", currency="KWD")
    data = api.get(f"{URL}/stats", **pay_headers).json()
    assert data["totalVolume"] is None
    assert data["byCurrency"]["KWD"] == {"count": 1, "volume": "10.000", "average": "10.000"}


# --- refunds -----------------------------------------------------------------------------


@pytest.fixture
def paid(company, stripe_gw, make_payment):
    return make_payment(company, transaction_id="pi_3QJ5nTLkdIwHu7ix0pD8Kmq1", amount="29.35", integration=stripe_gw)


def test_a_partial_then_a_full_refund_move_the_payment_to_refunded(api, company, gateway, paid, pay_headers):
    # given
    gateway.route("POST", "/v1/refunds", 200, stripe_refund("succeeded", amount=1000))
    # when
    first = api.post(
        f"{URL}/{paid.id}/refunds", {"amount": "10.00", "reason": "requested_by_customer"}, format="json", **pay_headers
    )  # noqa: E501
    gateway.route("POST", "/v1/refunds", 200, stripe_refund("succeeded", refund_id="re_2", amount=1935))
    rest = api.post(f"{URL}/{paid.id}/refunds", {}, format="json", **pay_headers)
    # then
    assert first.status_code == 201, first.content
    assert (first.json()["payment"]["status"], first.json()["payment"]["amountRefunded"]) == (
        "partially_refunded",
        "10.00",
    )  # noqa: E501
    assert rest.status_code == 201
    assert (rest.json()["refund"]["amount"], rest.json()["payment"]["status"]) == ("19.35", "refunded")
    assert parse_qs(gateway.requests[1]["body"].decode())["amount"] == ["1935"]
    assert [e.data["refundAmount"] for e in _events(company, "payment.refunded")] == ["19.35", "10.00"]
    assert (
        IntegrationLog.objects.filter(
            company=company, operation="update", message__startswith="Refund succeeded"
        ).count()
        == 2
    )


def test_an_over_refund_answers_400_with_the_refundable_remainder(api, gateway, paid, pay_headers):
    response = api.post(f"{URL}/{paid.id}/refunds", {"amount": "29.36"}, format="json", **pay_headers)
    assert response.status_code == 400
    assert response.json()["details"]["refundable"] == "29.35"
    assert not gateway.requests
    assert not Refund.objects.exists()


def test_a_failed_payment_cannot_be_refunded(api, company, make_payment, pay_headers):
    failed = make_payment(company, transaction_id="pi_f", status="failed")
    response = api.post(f"{URL}/{failed.id}/refunds", {}, format="json", **pay_headers)
    assert response.status_code == 400
    assert "failed payment cannot be refunded" in response.json()["message"]


def test_the_seeds_refund_finds_the_payment_by_gateway_transaction_id(api, company, gateway, paid, pay_headers):
    gateway.route("POST", "/v1/refunds", 200, stripe_refund("succeeded", amount=2935))
    response = api.post(
        f"{URL}/refund",
        {
            "transactionId": "pi_3QJ5nTLkdIwHu7ix0pD8Kmq1",
            "amount": 29.35,
            "reason": "requested_by_customer",
            "metadata": {"refundRequestId": "ref_req_123"},
        },  # noqa: E501
        format="json",
        **pay_headers,
    )
    assert response.status_code == 201, response.content
    assert response.json()["refund"]["metadata"] == {"refundRequestId": "ref_req_123"}
    assert Payment.objects.get(id=paid.id).status == "refunded"


def test_a_declined_refund_answers_402_and_frees_the_remainder(api, gateway, paid, pay_headers):
    gateway.route(
        "POST",
        "/v1/refunds",
        400,
        {"error": {"type": "invalid_request_error", "code": "charge_disputed", "message": "Charge has been disputed."}},
    )  # noqa: E501
    response = api.post(f"{URL}/{paid.id}/refunds", {"amount": "5.00"}, format="json", **pay_headers)
    assert response.status_code == 402
    assert response.json()["details"]["refund"]["failureCode"] == "charge_disputed"
    payment = Payment.objects.get(id=paid.id)
    assert (payment.status, payment.amount_refunded) == ("succeeded", Decimal("0"))
    assert (
        api.post(f"{URL}/{paid.id}/refunds", {"amount": "29.36"}, format="json", **pay_headers).json()["details"][
            "refundable"
        ]
        == "29.35"
    )  # noqa: E501


def test_a_refund_timeout_answers_504_and_keeps_the_amount_reserved(api, gateway, paid, pay_headers):
    gateway.route("POST", "/v1/refunds", 200, stripe_refund(), delay=1.5)
    response = api.post(f"{URL}/{paid.id}/refunds", {"amount": "20.00"}, format="json", **pay_headers)
    assert response.status_code == 504
    assert response.json()["details"]["refund"]["status"] == "pending"
    again = api.post(f"{URL}/{paid.id}/refunds", {"amount": "10.00"}, format="json", **pay_headers)
    assert again.status_code == 400 and again.json()["details"]["refundable"] == "9.35"


def test_a_refund_with_a_bad_amount_answers_400(api, paid, pay_headers):
    response = api.post(f"{URL}/{paid.id}/refunds", {"amount": "-1"}, format="json", **pay_headers)
    assert response.status_code == 400 and "amount" in response.json()["details"]


# --- source API 004 test payment --------------------------------------------------------------


def test_a_test_payment_uses_the_gateways_sandbox_card_and_answers_the_seeds_shape(
    api, gateway, stripe_gw, pay_headers
):
    gateway.route("POST", "/v1/payment_intents", 200, stripe_intent("succeeded", amount=1000))
    response = api.post(
        f"{URL}/test",
        {"amount": 10.00, "currency": "USD", "gateway": "stripe", "orderId": "test_order_123"},
        format="json",
        **pay_headers,
    )  # noqa: E501
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["success"], data["status"], data["amount"], data["transactionId"]) == (
        True,
        "succeeded",
        "10.00",
        "pi_3QJ5nTLkdIwHu7ix0pD8Kmq1",
    )  # noqa: E501
    assert parse_qs(gateway.requests[0]["body"].decode())["payment_method"] == ["pm_card_visa"]
    assert Payment.objects.get(id=data["paymentId"]).is_test


def test_a_test_payment_refuses_a_live_stripe_key(api, company, gateway, make_gateway_integration, pay_headers):
    make_gateway_integration(company, "stripe", gateway.url, secretKey="sk_live_realmoney123")
    response = api.post(
        f"{URL}/test", {"amount": 1, "currency": "USD", "gateway": "stripe"}, format="json", **pay_headers
    )
    assert response.status_code == 400
    assert not gateway.requests


def test_a_repeated_refund_with_the_same_idempotency_key_refunds_once(api, company, gateway, paid, pay_headers):
    # given
    gateway.route("POST", "/v1/refunds", 200, stripe_refund("succeeded", amount=1000))
    url = f"{URL}/{paid.id}/refunds"
    first = api.post(url, {"amount": "10.00"}, format="json", HTTP_IDEMPOTENCY_KEY="rf-1", **pay_headers)
    # when
    repeat = api.post(url, {"amount": "10.00"}, format="json", HTTP_IDEMPOTENCY_KEY="rf-1", **pay_headers)
    other = api.post(url, {"amount": "5.00"}, format="json", HTTP_IDEMPOTENCY_KEY="rf-1", **pay_headers)
    # then
    assert (first.status_code, repeat.status_code, other.status_code) == (201, 200, 422)
    assert repeat.json()["refund"]["id"] == first.json()["refund"]["id"]
    assert repeat["Idempotent-Replayed"] == "true"
    assert len(gateway.requests) == 1
    assert Payment.objects.get(id=paid.id).amount_refunded == Decimal("10.00")


def test_an_order_id_must_name_one_of_the_companys_orders(api, company, other_company, gateway, stripe_gw, pay_headers):
    # given
    def order(owner):
        data = order_services.OrderInput(
            branch_id="b-1",
            order_type="pickup",
            items=[order_services.ItemInput(quantity=1, name="Soup", unit_price=Decimal("12.00"))],
            provider="api",
            currency="USD",
        )
        return order_services.order_create(company_id=owner.id, data=data, actor="test").order

    ours, theirs = order(company), order(other_company)
    gateway.route("POST", "/v1/payment_intents", 200, stripe_intent("succeeded"))
    # when
    accepted = api.post(URL, _body(orderId=str(ours.id)), format="json", **pay_headers)
    refused = api.post(URL, _body(orderId=str(theirs.id)), format="json", **pay_headers)
    # then
    assert accepted.status_code == 201 and accepted.json()["orderId"] == str(ours.id)
    assert Event.objects.get(company=company, type="payment.succeeded").data["orderId"] == str(ours.id)
    assert refused.status_code == 400 and "orderId" in refused.json()["details"]


@pytest.mark.parametrize("metadata", [{"note": "nul\u0000byte"}, {"blob": "x" * 9000}])
def test_metadata_with_nul_characters_or_over_8_kb_answers_400(api, paid, stripe_gw, pay_headers, metadata):
    charge = api.post(URL, _body(metadata=metadata), format="json", **pay_headers)
    refund = api.post(f"{URL}/{paid.id}/refunds", {"metadata": metadata}, format="json", **pay_headers)
    assert (charge.status_code, refund.status_code) == (400, 400)
    assert "metadata" in charge.json()["details"] and "metadata" in refund.json()["details"]


def test_a_declined_test_payment_answers_200_with_success_false(api, gateway, stripe_gw, pay_headers):
    gateway.route("POST", "/v1/payment_intents", 402, stripe_card_error("card_declined"))
    response = api.post(
        f"{URL}/test", {"amount": 10, "currency": "USD", "gateway": "stripe"}, format="json", **pay_headers
    )
    assert response.status_code == 200
    data = response.json()
    assert (data["success"], data["status"], data["outcome"], data["failureCode"]) == (
        False,
        "failed",
        "declined",
        "card_declined",
    )


def test_a_payment_whose_integration_was_deleted_cannot_be_refunded_here(api, company, make_payment, pay_headers):
    orphan = make_payment(company, transaction_id="pi_orphan")  # no integration
    response = api.post(f"{URL}/{orphan.id}/refunds", {}, format="json", **pay_headers)
    assert response.status_code == 400
    assert "integration was deleted" in response.json()["message"]
    assert not Refund.objects.exists()


def test_stats_by_gateway_count_every_payment_of_the_gateway(api, company, make_payment, stripe_gw, pay_headers):
    # given three stripe payments (a grouping that kept the list's ordering saw one row per payment)
    make_payment(company, gateway="stripe", amount="10.00")
    make_payment(company, gateway="stripe", amount="20.00")
    make_payment(company, gateway="stripe", amount="30.00", status="failed")
    # when
    stripe = api.get(f"{URL}/stats", **pay_headers).json()["byGateway"]["stripe"]
    # then
    assert (stripe["count"], stripe["successful"], stripe["failed"], stripe["volume"]) == (3, 2, 1, "30.00")
