"""Each gateway adapter against a loopback stand-in answering in the provider's documented JSON shapes."""

import base64
import json
from decimal import Decimal
from urllib.parse import parse_qs

import pytest

from payments.gateways import adapter, authorizenet, paypal, razorpay, square, stripe
from payments.gateways.base import ChargeRequest, RefundRequest, to_minor
from payments.gateways.transport import GatewayTimeout, GatewayUnreachable
from tests.payments.conftest import CREDENTIALS, stripe_card_error, stripe_intent, stripe_refund

REF = "0b9c3a52-6f1e-4d7a-9c1b-2f3e4d5a6b7c"


def _values(gateway, provider: str) -> dict[str, str]:
    return {"baseUrl": gateway.url, **CREDENTIALS[provider]}


def _charge(**overrides) -> ChargeRequest:
    fields = {
        "reference": REF,
        "amount": Decimal("99.99"),
        "currency": "USD",
        "payment_method_id": "pm_card_visa",
        "customer_id": "cus_123",
        "description": "Order #12345",
        "metadata": {"source": "online_store"},
    }
    fields.update(overrides)
    return ChargeRequest(**fields)


def _refund(transaction_id: str, amount: str = "10.00", **overrides) -> RefundRequest:
    return RefundRequest(
        reference="7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6",
        transaction_id=transaction_id,
        amount=Decimal(amount),
        currency=overrides.pop("currency", "USD"),
        reason="requested_by_customer",
        **overrides,
    )


def _basic(record) -> tuple[str, str]:
    user, _, password = base64.b64decode(record["headers"]["Authorization"].split()[1]).decode().partition(":")
    return user, password


def test_minor_units_follow_each_currency():
    assert to_minor(Decimal("99.99"), "USD") == 9999
    assert to_minor(Decimal("1.250"), "KWD") == 1250
    assert to_minor(Decimal("500"), "JPY") == 500


# --- Stripe (the official library, pointed at the stand-in) -------------------------------


def test_stripe_confirms_a_payment_intent_with_our_idempotency_key(gateway):
    # given
    gateway.route("POST", "/v1/payment_intents", 200, stripe_intent("succeeded"))
    # when
    result = stripe.charge(_values(gateway, "stripe"), _charge())
    # then
    assert (result.outcome, result.transaction_id, result.client_secret) == (
        "succeeded",
        "pi_3QJ5nTLkdIwHu7ix0pD8Kmq1",
        "pi_3QJ5nTLkdIwHu7ix0pD8Kmq1_secret_xyz",
    )
    sent = gateway.requests[0]
    form = parse_qs(sent["body"].decode())
    assert form["amount"] == ["9999"] and form["currency"] == ["usd"] and form["confirm"] == ["true"]
    assert form["payment_method"] == ["pm_card_visa"] and form["customer"] == ["cus_123"]
    assert form["metadata[hubPaymentId]"] == [REF]
    assert sent["headers"]["Idempotency-Key"] == REF
    assert sent["headers"]["Authorization"] == "Bearer sk_test_51Hub0123456789"


def test_stripe_requires_action_is_pending_not_failed(gateway):
    gateway.route("POST", "/v1/payment_intents", 200, stripe_intent("requires_action"))
    assert stripe.charge(_values(gateway, "stripe"), _charge()).outcome == "pending"


def test_a_stripe_card_decline_carries_the_decline_code_and_message(gateway):
    gateway.route("POST", "/v1/payment_intents", 402, stripe_card_error("insufficient_funds"))
    result = stripe.charge(_values(gateway, "stripe"), _charge())
    assert (result.outcome, result.code, result.http_status) == ("declined", "insufficient_funds", 402)
    assert result.message == "Your card has insufficient funds."
    assert result.transaction_id == "pi_3QJ9declined"


def test_a_refused_stripe_key_is_a_gateway_error_not_a_decline(gateway):
    gateway.route(
        "POST",
        "/v1/payment_intents",
        401,
        {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided: sk_test_***"}},
    )
    assert stripe.charge(_values(gateway, "stripe"), _charge()).outcome == "error"


def test_stripe_refunds_the_payment_intent_in_minor_units(gateway):
    gateway.route("POST", "/v1/refunds", 200, stripe_refund("succeeded", amount=1000))
    result = stripe.refund(_values(gateway, "stripe"), _refund("pi_3QJ5nTLkdIwHu7ix0pD8Kmq1"))
    assert (result.outcome, result.transaction_id) == ("succeeded", "re_3QJ5nTLkdIwHu7ix0Zk1aB2c")
    form = parse_qs(gateway.requests[0]["body"].decode())
    assert form["payment_intent"] == ["pi_3QJ5nTLkdIwHu7ix0pD8Kmq1"] and form["amount"] == ["1000"]
    assert form["reason"] == ["requested_by_customer"]


# --- PayPal ------------------------------------------------------------------------------


def _paypal_token(gateway) -> None:
    gateway.route(
        "POST",
        "/v1/oauth2/token",
        200,
        {
            "scope": "https://uri.paypal.com/services/payments/payment",
            "access_token": "A21AAF-token",
            "token_type": "Bearer",
            "expires_in": 32400,
        },  # noqa: E501
    )


def _paypal_order(status: str, capture_status: str | None = None) -> dict:
    order = {
        "id": "5O190127TN364715T",
        "intent": "CAPTURE",
        "status": status,
        "purchase_units": [{"reference_id": REF}],
    }
    if capture_status:
        order["purchase_units"][0]["payments"] = {
            "captures": [
                {
                    "id": "42311647XV020574X",
                    "status": capture_status,
                    "amount": {"currency_code": "USD", "value": "99.99"},
                    "final_capture": True,
                }
            ]
        }
    return order


def test_paypal_gets_a_token_creates_an_order_and_captures_it(gateway):
    # given
    _paypal_token(gateway)
    gateway.route("POST", "/v2/checkout/orders", 201, _paypal_order("APPROVED"))
    gateway.route("POST", "/v2/checkout/orders/5O190127TN364715T/capture", 201, _paypal_order("COMPLETED", "COMPLETED"))
    # when
    result = paypal.charge(_values(gateway, "paypal"), _charge(payment_method_id="8kk8451t"))
    # then
    assert (result.outcome, result.transaction_id) == ("succeeded", "42311647XV020574X")
    token_request, create, capture = gateway.requests
    assert _basic(token_request) == ("AbPayPalClient", "EPayPalSecret-123")
    assert parse_qs(token_request["body"].decode()) == {"grant_type": ["client_credentials"]}
    body = json.loads(create["body"])
    assert body["purchase_units"][0]["amount"] == {"currency_code": "USD", "value": "99.99"}
    assert body["payment_source"] == {"paypal": {"vault_id": "8kk8451t"}}
    assert create["headers"]["Authorization"] == "Bearer A21AAF-token"
    assert create["headers"]["PayPal-Request-Id"] == REF
    assert capture["path"].endswith("/capture")


def test_a_paypal_instrument_decline_is_declined_with_the_issue(gateway):
    _paypal_token(gateway)
    gateway.route("POST", "/v2/checkout/orders", 201, _paypal_order("APPROVED"))
    gateway.route(
        "POST",
        "/v2/checkout/orders/5O190127TN364715T/capture",
        422,
        {
            "name": "UNPROCESSABLE_ENTITY",
            "details": [{"issue": "INSTRUMENT_DECLINED", "description": "The instrument presented was declined."}],
            "message": "The requested action could not be performed, semantically incorrect, or failed business validation.",  # noqa: E501
            "debug_id": "b1f2c3d4e5",
        },
    )
    result = paypal.charge(_values(gateway, "paypal"), _charge())
    assert (result.outcome, result.code) == ("declined", "INSTRUMENT_DECLINED")


def test_refused_paypal_client_credentials_are_a_gateway_error(gateway):
    gateway.route(
        "POST",
        "/v1/oauth2/token",
        401,
        {"error": "invalid_client", "error_description": "Client Authentication failed"},
    )  # noqa: E501
    result = paypal.charge(_values(gateway, "paypal"), _charge())
    assert (result.outcome, result.code) == ("error", "invalid_client")


def test_paypal_refunds_the_capture(gateway):
    _paypal_token(gateway)
    gateway.route(
        "POST",
        "/v2/payments/captures/42311647XV020574X/refund",
        201,
        {"id": "1JU08902781691411", "status": "COMPLETED"},
    )  # noqa: E501
    result = paypal.refund(_values(gateway, "paypal"), _refund("42311647XV020574X"))
    assert (result.outcome, result.transaction_id) == ("succeeded", "1JU08902781691411")
    assert gateway.json_body()["amount"] == {"currency_code": "USD", "value": "10.00"}


# --- Square ------------------------------------------------------------------------------


def test_square_creates_a_payment_with_amount_money_and_our_idempotency_key(gateway):
    gateway.route(
        "POST",
        "/v2/payments",
        200,
        {
            "payment": {
                "id": "hYy9pRFVxpDsO1FB05SunFWUe9JZY",
                "status": "COMPLETED",
                "amount_money": {"amount": 9999, "currency": "USD"},
            }
        },  # noqa: E501
    )
    result = square.charge(_values(gateway, "square"), _charge(payment_method_id="cnon:card-nonce-ok"))
    assert (result.outcome, result.transaction_id) == ("succeeded", "hYy9pRFVxpDsO1FB05SunFWUe9JZY")
    body = gateway.json_body()
    assert body["amount_money"] == {"amount": 9999, "currency": "USD"}
    assert (body["idempotency_key"], body["source_id"], body["location_id"]) == (
        REF,
        "cnon:card-nonce-ok",
        "S8GWD5R9QB376",
    )
    assert gateway.requests[0]["headers"]["Authorization"] == "Bearer EAAAsquare-token-123"
    assert gateway.requests[0]["headers"]["Square-Version"]


def test_a_square_card_decline_keeps_the_failed_payment_id(gateway):
    gateway.route(
        "POST",
        "/v2/payments",
        402,
        {
            "errors": [
                {
                    "code": "GENERIC_DECLINE",
                    "detail": "Authorization error: 'GENERIC_DECLINE'",
                    "category": "PAYMENT_METHOD_ERROR",
                }
            ],  # noqa: E501
            "payment": {"id": "R2B3Z8WMVt3EAmzYWLZvz7Y69EbZY", "status": "FAILED"},
        },
    )
    result = square.charge(_values(gateway, "square"), _charge(payment_method_id="cnon:card-nonce-declined"))
    assert (result.outcome, result.code, result.transaction_id) == (
        "declined",
        "GENERIC_DECLINE",
        "R2B3Z8WMVt3EAmzYWLZvz7Y69EbZY",
    )


def test_a_pending_square_refund_stays_pending(gateway):
    gateway.route("POST", "/v2/refunds", 200, {"refund": {"id": "hYy9_rf1", "status": "PENDING", "payment_id": "hYy9"}})
    result = square.refund(_values(gateway, "square"), _refund("hYy9"))
    assert (result.outcome, result.transaction_id) == ("pending", "hYy9_rf1")
    assert gateway.json_body()["amount_money"] == {"amount": 1000, "currency": "USD"}


# --- Authorize.Net -----------------------------------------------------------------------


def _anet(response_code: str, *, errors=None, result_code="Ok") -> bytes:
    body = {
        "transactionResponse": {
            "responseCode": response_code,
            "authCode": "HH5414",
            "transId": "2149186848",
            "accountNumber": "XXXX1111",
            "accountType": "Visa",
            "messages": [{"code": "1", "description": "This transaction has been approved."}] if not errors else None,
            "errors": errors,
        },
        "refId": "123456",
        "messages": {"resultCode": result_code, "message": [{"code": "I00001", "text": "Successful."}]},
    }
    return "\ufeff".encode() + json.dumps(body).encode()  # Authorize.Net answers with a UTF-8 BOM


def test_authorizenet_auth_captures_with_opaque_data_and_reads_a_bom_answer(gateway):
    gateway.route("POST", "/xml/v1/request.api", 200, _anet("1"))
    result = authorizenet.charge(_values(gateway, "authorizenet"), _charge(payment_method_id="eyJjb2RlIjoiNTBfMl8w"))
    assert (result.outcome, result.transaction_id) == ("succeeded", "2149186848")
    request = gateway.json_body()["createTransactionRequest"]
    assert request["merchantAuthentication"] == {"name": "5KP3u95bQpv", "transactionKey": "346HZ32z3fP4hTG2"}
    tx = request["transactionRequest"]
    assert (tx["transactionType"], tx["amount"]) == ("authCaptureTransaction", "99.99")
    assert tx["payment"]["opaqueData"]["dataValue"] == "eyJjb2RlIjoiNTBfMl8w"


def test_an_authorizenet_decline_is_response_code_2(gateway):
    gateway.route(
        "POST",
        "/xml/v1/request.api",
        200,
        _anet("2", errors=[{"errorCode": "2", "errorText": "This transaction has been declined."}]),
    )  # noqa: E501
    result = authorizenet.charge(_values(gateway, "authorizenet"), _charge())
    assert (result.outcome, result.code, result.message) == ("declined", "2", "This transaction has been declined.")


def test_authorizenet_authentication_failure_is_a_gateway_error(gateway):
    body = {
        "messages": {
            "resultCode": "Error",
            "message": [{"code": "E00007", "text": "User authentication failed due to invalid authentication values."}],
        }
    }  # noqa: E501
    gateway.route("POST", "/xml/v1/request.api", 200, body)
    assert authorizenet.charge(_values(gateway, "authorizenet"), _charge()).outcome == "error"


def test_an_authorizenet_refund_names_the_cards_last_four_digits(gateway):
    gateway.route("POST", "/xml/v1/request.api", 200, _anet("1"))
    charged = json.loads(_anet("1").decode("utf-8-sig"))
    result = authorizenet.refund(_values(gateway, "authorizenet"), _refund("2149186848", payment_response=charged))
    assert result.outcome == "succeeded"
    tx = gateway.json_body()["createTransactionRequest"]["transactionRequest"]
    assert (tx["transactionType"], tx["refTransId"], tx["payment"]["creditCard"]["cardNumber"]) == (
        "refundTransaction",
        "2149186848",
        "1111",
    )


# --- Razorpay ----------------------------------------------------------------------------


def test_razorpay_captures_the_authorized_payment(gateway):
    gateway.route(
        "POST",
        "/v1/payments/pay_DESlfW9H8K9uqM/capture",
        200,
        {
            "id": "pay_DESlfW9H8K9uqM",
            "entity": "payment",
            "amount": 50000,
            "currency": "INR",
            "status": "captured",
            "captured": True,
        },  # noqa: E501
    )
    result = razorpay.charge(
        _values(gateway, "razorpay"),
        _charge(payment_method_id="pay_DESlfW9H8K9uqM", amount=Decimal("500"), currency="INR"),
    )
    assert (result.outcome, result.transaction_id) == ("succeeded", "pay_DESlfW9H8K9uqM")
    assert gateway.json_body() == {"amount": 50000, "currency": "INR"}
    assert _basic(gateway.requests[0]) == ("rzp_test_1DP5mmOlF5G5ag", "thisissupersecret")


def test_a_razorpay_bad_request_is_declined_with_its_reason(gateway):
    gateway.route(
        "POST",
        "/v1/payments/pay_X/capture",
        400,
        {
            "error": {
                "code": "BAD_REQUEST_ERROR",
                "description": "This payment has already been captured",
                "source": "business",
                "reason": "payment_already_captured",
            }
        },  # noqa: E501
    )
    result = razorpay.charge(_values(gateway, "razorpay"), _charge(payment_method_id="pay_X", currency="INR"))
    assert (result.outcome, result.code) == ("declined", "payment_already_captured")


def test_razorpay_refunds_in_paise(gateway):
    gateway.route(
        "POST",
        "/v1/payments/pay_DESlfW9H8K9uqM/refund",
        200,
        {"id": "rfnd_FgRAHdNOM4ZVbO", "entity": "refund", "amount": 4000, "status": "processed"},
    )  # noqa: E501
    result = razorpay.refund(_values(gateway, "razorpay"), _refund("pay_DESlfW9H8K9uqM", "40.00", currency="INR"))
    assert (result.outcome, result.transaction_id) == ("succeeded", "rfnd_FgRAHdNOM4ZVbO")
    assert gateway.json_body()["amount"] == 4000


# --- every gateway: 5xx, timeouts, unreachable --------------------------------------------

CHARGE_PATHS = {
    "stripe": "/v1/payment_intents",
    "paypal": "/v2/checkout/orders",
    "square": "/v2/payments",
    "authorizenet": "/xml/v1/request.api",
    "razorpay": "/v1/payments/pm_card_visa/capture",
}


@pytest.mark.parametrize("provider", list(CHARGE_PATHS))
def test_a_gateway_5xx_is_a_gateway_error(gateway, provider):
    _paypal_token(gateway)
    gateway.route("POST", CHARGE_PATHS[provider], 503, {"error": {"message": "Service Unavailable"}})
    result = adapter(provider).charge(_values(gateway, provider), _charge())
    assert (result.outcome, result.http_status) == ("error", 503)


@pytest.mark.parametrize("provider", list(CHARGE_PATHS))
def test_a_gateway_that_does_not_answer_in_time_raises_a_timeout(gateway, provider):
    _paypal_token(gateway)
    gateway.route("POST", CHARGE_PATHS[provider], 200, {}, delay=1.5)  # the timeout is 1 s in tests
    with pytest.raises(GatewayTimeout):
        adapter(provider).charge(_values(gateway, provider), _charge())


def test_a_closed_port_is_unreachable_not_a_timeout(free_tcp_port):
    with pytest.raises(GatewayUnreachable):
        square.charge({"baseUrl": f"http://127.0.0.1:{free_tcp_port}", **CREDENTIALS["square"]}, _charge())


def test_private_addresses_are_refused_unless_settings_allow_them(settings):
    settings.HUB_ALLOW_LOCAL_TARGETS = False
    with pytest.raises(GatewayUnreachable, match="non-public"):
        stripe.charge({"baseUrl": "http://127.0.0.1:9", **CREDENTIALS["stripe"]}, _charge())
