"""The operator home and the admin screens it links to: counts, charts, filters, columns, config edit, branding."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib import admin
from django.utils import timezone

from integrations import services as integration_services
from integrations.models import Integration
from logs.models import ApiRequestLog
from messaging.models import Message
from monitoring import selectors
from orders.models import Customer, Order, Product
from payments.models import Payment, Refund
from sync.models import SyncRun, SyncSchedule
from webhooks.models import Delivery, Endpoint, Event

pytestmark = pytest.mark.django_db

HOME = "/admin/operator/"
SECRET = "sk_test_" + "a1b2c3d4e5f6g7h8i9j0"


def _endpoint(company, status=Endpoint.Status.ACTIVE) -> Endpoint:
    return Endpoint.objects.create(
        company=company,
        name=f"ep-{status}-{Endpoint.objects.count()}",
        url="https://example.com/hook",
        events=["order.*"],
        secret="whsec_x",
        status=status,
        disabled_at=timezone.now() if status != Endpoint.Status.ACTIVE else None,
        disabled_reason="Too many failures" if status == Endpoint.Status.FAILED else "",
    )


def _failed_delivery(company, error="HTTP 502 from the subscriber") -> Delivery:
    endpoint = _endpoint(company)
    event = Event.objects.create(company=company, type="order.created", data={})
    return Delivery.objects.create(
        company=company,
        endpoint=endpoint,
        event=event,
        event_type="order.created",
        status=Delivery.Status.FAILED,
        attempt_count=3,
        last_status_code=502,
        last_error=error,
    )


def _stripe(company, name="Stripe") -> Integration:
    return integration_services.integration_create(
        company_id=company.id,
        name=name,
        provider="stripe",
        config={"secretKey": SECRET, "publishableKey": "pk_test_1"},
    )


def _seed(company) -> None:
    _failed_delivery(company)
    _endpoint(company, Endpoint.Status.FAILED)
    integration = _stripe(company)
    Integration.objects.filter(pk=integration.pk).update(
        health_status=Integration.Health.UNHEALTHY, last_check_at=timezone.now(), last_check_error="HTTP 401"
    )
    Message.objects.create(company=company, channel="sms", recipients=["+15550001"], status="failed", error="No route")
    for status in (Payment.Status.FAILED, Payment.Status.PENDING, Payment.Status.SUCCEEDED):
        Payment.objects.create(
            company=company,
            gateway="stripe",
            amount=Decimal("10.00"),
            currency="USD",
            status=status,
            failure_code="card_declined" if status == "failed" else "",
            failure_message="Your card was declined." if status == "failed" else "",
        )
    SyncRun.objects.create(
        company=company,
        integration=integration,
        provider="stripe",
        sync_type="products",
        direction="pull",
        conflict_strategy="timestamp",
        batch_size=10,
        status="failed",
        error="boom",
        triggered_by="user",
    )
    now = timezone.now()
    for code in (429, 429, 500, 503, 200):
        ApiRequestLog.objects.create(
            company_id=company.id,
            request_id=f"r{code}",
            method="GET",
            path="/api/v1/orders",
            status_code=code,
            duration_ms=1.0,
            timestamp=now,
        )


def _count(html: str, key: str) -> int:
    section = html.split(f'id="panel-{key}"', 1)[1]
    return int(re.search(r'data-count="(\d+)"', section).group(1))


def test_the_operator_home_counts_each_failure_of_the_last_day(admin_client, company, other_company):
    # given
    _seed(company)
    _seed(other_company)
    # when
    everything = admin_client.get(HOME).content.decode()
    one = admin_client.get(f"{HOME}?company={company.id}").content.decode()
    # then
    expected = {
        "deliveries": 1,
        "endpoints": 1,
        "integrations": 1,
        "messages": 1,
        "payments": 2,
        "syncs": 1,
        "throttled": 2,
        "server_errors": 2,
    }
    for key, n in expected.items():
        assert _count(one, key) == n, key
        assert _count(everything, key) == 2 * n, key
    assert one.count('<svg class="sparkline"') == len(expected)
    assert f'<option value="{company.id}" selected>' in one
    assert f"company__id__exact={company.id}" in one
    assert "Operator home" in one


def test_old_failures_are_outside_the_window_and_the_chart_puts_them_by_hour(company):
    # given: one failed message now, one 3 hours ago, one two days ago
    now = timezone.now()
    for hours in (0, 3, 48):
        message = Message.objects.create(company=company, channel="sms", recipients=["+1555"], status="failed")
        Message.objects.filter(pk=message.pk).update(updated_at=now - timedelta(hours=hours))
    # when
    panel = next(p for p in selectors.operator_home(company_id=company.id, now=now) if p.key == "messages")
    # then
    assert panel.count == 2
    assert panel.hourly[-1] == 1
    assert panel.hourly[-4] == 1
    assert sum(panel.hourly) == 2
    assert panel.spark["max"] == 1


def test_a_bad_company_value_shows_all_companies(admin_client):
    response = admin_client.get(f"{HOME}?company=not-a-uuid")
    assert response.status_code == 200
    assert "all companies" in response.content.decode()


def test_the_home_needs_a_staff_login(client):
    response = client.get(HOME)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_admin_index_and_header_link_the_home_and_name_the_hub(admin_client):
    html = admin_client.get("/admin/").content.decode()
    assert 'href="/admin/operator/"' in html
    assert 'id="operator-home-link"' in html
    assert "Integration Hub 0.1.0" in html  # the version of pyproject.toml
    assert "Django administration" not in html


def test_the_home_links_open_filtered_lists_showing_errors_and_companies(admin_client, company, other_company):
    # given
    _seed(company)
    _failed_delivery(other_company, error="other company's failure")
    panels = {p.key: p.link for p in selectors.operator_home(company_id=company.id)}
    # when
    deliveries = admin_client.get(panels["deliveries"]).content.decode()
    payments = admin_client.get(panels["payments"])
    messages = admin_client.get(panels["messages"]).content.decode()
    integrations = admin_client.get(panels["integrations"]).content.decode()
    # then
    assert "HTTP 502 from the subscriber" in deliveries
    assert "other company" not in deliveries
    assert company.name in deliveries
    assert payments.status_code == 200
    assert "card_declined Your card was declined." in payments.content.decode()
    assert "No route" in messages
    assert "HTTP 401" in integrations
    for link in panels.values():
        assert admin_client.get(link).status_code == 200, link


def _actions(model, admin_user, rf) -> dict:
    request = rf.get("/admin/")
    request.user = admin_user
    return admin.site._registry[model].get_actions(request)


@pytest.mark.parametrize("model", [Order, Message, Delivery, Payment, Refund, Event, Product, Customer])
def test_business_records_offer_no_bulk_delete(model, admin_user, rf):
    assert "delete_selected" not in _actions(model, admin_user, rf)


def test_bulk_delete_stays_where_it_is_not_a_business_record(admin_user, rf):
    assert "delete_selected" in _actions(SyncSchedule, admin_user, rf)
    assert "retry_selected" in _actions(Delivery, admin_user, rf)  # the other actions stay


def test_an_operator_edits_config_and_replaces_a_secret_without_seeing_it(admin_client, company):
    # given
    integration = _stripe(company)
    url = f"/admin/integrations/integration/{integration.pk}/change/"
    # when
    page = admin_client.get(url).content.decode()
    # then: the form offers the fields; no secret reaches the page
    assert SECRET not in page
    assert SECRET[:-4] not in page
    assert "Replace Secret key" in page
    assert 'name="config__publishableKey"' in page
    assert 'type="password" name="replace_secret__secretKey"' in page

    # when: a blank secret keeps the stored one, config changes
    form = {
        "name": "Stripe renamed",
        "status": "active",
        "config__baseUrl": "https://api.stripe.com",
        "config__publishableKey": "pk_test_2",
        "replace_secret__secretKey": "",
        "replace_secret__webhookSecret": "",
    }
    response = admin_client.post(url, form)
    # then
    assert response.status_code == 302
    integration.refresh_from_db()
    assert integration.name == "Stripe renamed"
    assert integration.config["publishableKey"] == "pk_test_2"
    assert integration.credentials["secretKey"] == SECRET

    # when: a typed secret replaces it
    response = admin_client.post(url, {**form, "replace_secret__secretKey": "sk_test_replacement_0000"})
    assert response.status_code == 302
    integration.refresh_from_db()
    assert integration.credentials["secretKey"] == "sk_test_replacement_0000"
    assert "sk_test_replacement_0000" not in admin_client.get(url).content.decode()


def test_config_the_api_would_refuse_is_refused_in_the_form(admin_client, company):
    integration = _stripe(company)
    url = f"/admin/integrations/integration/{integration.pk}/change/"
    response = admin_client.post(
        url,
        {"name": "Stripe", "status": "active", "config__baseUrl": "not a url", "config__publishableKey": ""},
    )
    assert response.status_code == 200
    assert "Enter a valid URL." in response.content.decode()
    integration.refresh_from_db()
    assert integration.config.get("baseUrl") != "not a url"
