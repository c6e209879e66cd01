"""Templates: sandboxed rendering, escaping, built-ins and company overrides, CRUD and preview over the API."""

import pytest

from messaging import rendering, services
from messaging.models import MessageTemplate
from messaging.services import MessageInput

pytestmark = pytest.mark.django_db


def test_html_is_autoescaped_and_text_is_not():
    data = {"name": "<script>alert(1)</script> & co"}
    assert rendering.render("<p>{{ name }}</p>", data, html=True) == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; co</p>"
    )
    text = rendering.render("Hi {{ name }}", data)
    assert text == "Hi <script>alert(1)</script> & co"
    assert not hasattr(text, "__html__")  # plain data: whoever shows it in HTML escapes it


@pytest.mark.parametrize(
    "source",
    [
        "{% debug %}",
        "{% load static %}",
        '{% include "admin/base.html" %}',
        '{% extends "base.html" %}',
        "{% url 'x' %}",
    ],
)
def test_tags_that_reach_beyond_the_data_do_not_compile(source):
    with pytest.raises(rendering.TemplateError):
        rendering.template_check(source)


def test_a_template_sees_only_its_data_never_settings_or_private_attributes():
    # A name the data does not give is an error naming it (never a lookup elsewhere); a default makes it optional.
    with pytest.raises(rendering.MissingVariable, match="settings.SECRET_KEY"):
        rendering.render("[{{ settings.SECRET_KEY }}][{{ name }}]", {"name": "x"})
    assert rendering.render('[{{ settings.SECRET_KEY|default:"" }}][{{ name }}]', {"name": "x"}) == "[][x]"
    with pytest.raises(rendering.TemplateError, match="underscores"):
        rendering.render("{{ name.__class__.__mro__ }}", {"name": "x"})


def test_a_company_template_wins_over_the_built_in_of_the_same_name(company, other_company):
    # given
    services.template_create(
        company_id=company.id,
        data={"name": "order_confirmation", "channel": "sms", "body_text": "Thanks {{ customerName }}!"},
    )
    data = MessageInput(
        channel="sms", to=["+14155550123"], template_name="order_confirmation", context={"customerName": "Ann"}
    )
    # when
    mine = services.message_create(company_id=company.id, data=data).message
    # then
    assert mine.body_text == "Thanks Ann!"
    assert mine.template is not None
    # the other company gets the built-in, which reads orderNumber: missing, it is a 400 naming it
    with pytest.raises(services.MessageValidationError, match="orderNumber"):
        services.message_create(company_id=other_company.id, data=data)
    data.context["orderNumber"] = "12345"
    theirs = services.message_create(company_id=other_company.id, data=data).message
    assert theirs.body_text == "Your order has been confirmed! Order #12345"
    assert theirs.template is None


@pytest.mark.parametrize("name", ["low_stock_alert", "expiry_alert", "daily_report", "order_confirmation"])
def test_every_built_in_email_template_renders_its_example(company, name):
    from messaging.defaults import default_template

    template = default_template(name, "email")
    data = MessageInput(channel="email", to=["ops@example.com"], template_name=name, context=template.sample_context)
    message = services.message_create(company_id=company.id, data=data).message
    assert message.subject and "{{" not in message.subject
    assert message.body_html.startswith("<") and "{%" not in message.body_html


def test_templates_are_created_read_changed_previewed_and_deleted(api, sender_headers):
    # when: created
    created = api.post(
        "/api/v1/message-templates",
        {
            "name": "shipping_update",
            "channel": "email",
            "subject": "Order {{ orderNumber }} shipped",
            "html": "<p>Hi {{ customerName }}</p>",
            "example": {"orderNumber": "42", "customerName": "<Ann>"},
        },
        format="json",
        **sender_headers,
    )
    assert created.status_code == 201, created.json()
    template_id = created.json()["id"]
    assert created.json()["example"] == {"orderNumber": "42", "customerName": "<Ann>"}
    # when: previewed with its example
    preview = api.post(f"/api/v1/message-templates/{template_id}/preview", {}, format="json", **sender_headers)
    assert preview.json() == {"subject": "Order 42 shipped", "text": "", "html": "<p>Hi &lt;Ann&gt;</p>"}
    # when: changed
    changed = api.patch(
        f"/api/v1/message-templates/{template_id}",
        {"subject": "Shipped: {{ orderNumber }}"},
        format="json",
        **sender_headers,
    )
    assert changed.status_code == 200 and changed.json()["subject"] == "Shipped: {{ orderNumber }}"
    # then: listed, and gone after delete
    listed = api.get("/api/v1/message-templates?channel=email", **sender_headers).json()
    assert [t["name"] for t in listed["templates"]] == ["shipping_update"]
    assert api.delete(f"/api/v1/message-templates/{template_id}", **sender_headers).status_code == 204
    assert not MessageTemplate.objects.exists()


def test_a_template_that_does_not_compile_or_repeats_a_name_is_refused(api, sender_headers):
    bad = api.post(
        "/api/v1/message-templates",
        {"name": "bad", "channel": "sms", "text": "{% debug %}"},
        format="json",
        **sender_headers,
    )
    assert bad.status_code == 400
    assert "debug" in bad.json()["details"]["text"]
    payload = {"name": "dup", "channel": "sms", "text": "hi"}
    assert api.post("/api/v1/message-templates", payload, format="json", **sender_headers).status_code == 201
    again = api.post("/api/v1/message-templates", payload, format="json", **sender_headers)
    assert again.status_code == 400 and "name" in again.json()["details"]


def test_built_in_templates_are_listed(api, sender_headers):
    body = api.get("/api/v1/message-templates/defaults", **sender_headers).json()
    names = {t["name"] for t in body["templates"]}
    assert names == {"low_stock_alert", "expiry_alert", "daily_report", "order_confirmation"}


def test_another_companys_template_is_not_found(api, other_company, sender_headers):
    template = services.template_create(
        company_id=other_company.id, data={"name": "theirs", "channel": "sms", "body_text": "x"}
    )
    assert api.get(f"/api/v1/message-templates/{template.id}", **sender_headers).status_code == 404
    assert api.delete(f"/api/v1/message-templates/{template.id}", **sender_headers).status_code == 404
    assert MessageTemplate.objects.filter(id=template.id).exists()
