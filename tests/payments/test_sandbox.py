"""The sandbox gateway: Stripe's test payment-method names answer in-process, and the demo's payments refund."""

import pytest

from integrations import services as integration_services
from payments import demo
from payments.models import Payment
from webhooks.models import Event

pytestmark = pytest.mark.django_db

URL = "/api/v1/payments"


@pytest.fixture
def sandbox(company):
    return integration_services.integration_create(company_id=company.id, name="Sandbox", provider="sandbox", config={})


def _pay(api, headers, method: str, **extra):
    body = {"gateway": "sandbox", "amount": "99.99", "currency": "USD", "paymentMethodId": method, **extra}
    return api.post(URL, body, format="json", **headers)


def test_a_visa_test_card_succeeds_and_refunds_in_full(api, company, sandbox, pay_headers):
    # when
    paid = _pay(api, pay_headers, "pm_card_visa")
    # then
    assert paid.status_code == 201, paid.content
    payment = paid.json()
    assert payment["status"] == "succeeded" and payment["gatewayTransactionId"].startswith("sbx_pi_")
    refunded = api.post(
        f"{URL}/{payment['id']}/refunds", {"reason": "requested_by_customer"}, format="json", **pay_headers
    )
    assert refunded.status_code == 201, refunded.content
    assert refunded.json()["payment"]["status"] == "refunded"
    assert Event.objects.filter(company=company, type="payment.refunded").count() == 1


def test_a_declined_test_card_answers_402_with_the_decline_code(api, sandbox, pay_headers):
    response = _pay(api, pay_headers, "pm_card_chargeDeclined")
    assert response.status_code == 402
    assert response.json()["details"]["payment"]["failureCode"] == "card_declined"


def test_an_authentication_test_card_stays_pending_with_a_client_secret(api, sandbox, pay_headers):
    response = _pay(api, pay_headers, "pm_card_authenticationRequired")
    assert response.status_code == 201
    assert response.json()["status"] == "pending" and response.json()["clientSecret"].endswith("_secret_sandbox")


def test_an_unknown_test_method_is_declined_naming_the_known_ones(api, sandbox, pay_headers):
    response = _pay(api, pay_headers, "pm_card_unheard_of")
    assert response.status_code == 402
    assert "pm_card_visa" in response.json()["details"]["payment"]["failureMessage"]


def test_a_demo_payment_refunds_through_the_demo_sandbox_integration(api, company, pay_headers):
    # given the demo integrations and payments (before: "The payment's gateway integration was deleted")
    from integrations import demo as integrations_demo

    integrations_demo.seed(company)
    demo.seed(company)
    payment = Payment.objects.get(company=company, idempotency_key="demo-1")
    # when
    response = api.post(f"{URL}/{payment.id}/refunds", {"amount": "9.99"}, format="json", **pay_headers)
    # then
    assert response.status_code == 201, response.content
    assert response.json()["payment"]["status"] == "partially_refunded"
