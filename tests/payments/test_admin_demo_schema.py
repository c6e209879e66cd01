"""The payments admin (refunds inline, filters, gateway answers without secrets), the demo seed and the schema."""

import io
import json

import pytest
from django.core.management import call_command

from payments import demo
from payments.models import Payment

pytestmark = pytest.mark.django_db


def test_the_payment_page_shows_refunds_inline_and_the_gateway_answer_without_secrets(staff_client, company):
    # given
    demo.seed(company)
    payment = Payment.objects.get(company=company, idempotency_key="demo-2")
    payment.gateway_response = {"id": "pi_demo_1002", "client_secret": "pi_demo_1002_secret_abc", "status": "succeeded"}
    payment.save()
    # when
    response = staff_client.get(f"/admin/payments/payment/{payment.id}/change/")
    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert "re_demo-2" in page  # the refund, inline
    assert "pi_demo_1002" in page
    assert "pi_demo_1002_secret_abc" not in page
    assert "[REDACTED]" in page


def test_the_payment_list_filters_and_searches(staff_client, company):
    demo.seed(company)
    failed = staff_client.get("/admin/payments/payment/", {"status__exact": "failed", "gateway__exact": "square"})
    found = staff_client.get("/admin/payments/payment/", {"q": "pi_demo_1005"})
    assert failed.status_code == found.status_code == 200
    assert "R2B3Z8WMVt3EAmzYWLZvz7Y69EbZY" in failed.content.decode()
    assert "1 payment" in found.content.decode()


def test_the_demo_seed_is_idempotent(company):
    demo.seed(company)
    demo.seed(company)
    assert Payment.objects.filter(company=company).count() == len(demo.PAYMENTS)


def test_the_schema_documents_the_payment_endpoints_without_payment_warnings(capsys, settings):
    # The whole schema's warnings are checked by `manage.py spectacular --fail-on-warn` in CI; here,
    # none may come from this app.
    out = io.StringIO()
    call_command("spectacular", "--format", "openapi-json", stdout=out)
    warnings = capsys.readouterr().err.replace(str(settings.BASE_DIR), "")  # the checkout may be named wt-payments
    schema = json.loads(out.getvalue())
    for path in (
        "/api/v1/payments",
        "/api/v1/payments/{id}",
        "/api/v1/payments/{id}/refunds",
        "/api/v1/payments/refund",
        "/api/v1/payments/stats",
        "/api/v1/payments/test",
    ):  # noqa: E501
        assert any(p.rstrip("/") == path for p in schema["paths"]), path
    assert "payments/" not in warnings and "Payment" not in warnings and "Refund" not in warnings
    assert "PaymentStatusEnum" in schema["components"]["schemas"]
