"""The integrations API: CRUD, validation, masking, 409 on names, logs, status, scopes and tenancy."""

import pytest
from django.db import connection

from integrations.models import Integration
from logs.services import log_record

URL = "/api/v1/integrations"
STRIPE = {"secretKey": "sk_test_51Hx0000000000000000abcd", "webhookSecret": "whsec_0123456789abcdefWXYZ"}


def _create(api, headers, name="Payments", provider="stripe", config=None, **extra):
    body = {"name": name, "provider": provider, "config": STRIPE if config is None else config, **extra}
    return api.post(URL, body, format="json", **headers)


def test_an_owner_creates_an_integration_and_sees_its_secrets_masked(api, owner_headers, company):
    # when
    response = _create(api, owner_headers)
    # then
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["name"] == "Payments"
    assert data["provider"] == "stripe"
    assert data["category"] == data["type"] == "payments"
    assert data["status"] == "active"
    assert data["companyId"] == str(company.id)
    assert data["config"]["secretKey"] == "****abcd"
    assert data["config"]["webhookSecret"] == "****WXYZ"
    assert data["config"]["baseUrl"] == "https://api.stripe.com"  # the provider's default
    assert data["inboundUrl"] == f"http://testserver/api/v1/inbound/{data['id']}/"
    assert data["health"] == {"status": "unknown", "checkedAt": None, "latencyMs": None, "error": ""}
    assert data["createdAt"].endswith("Z")
    assert "sk_test_51Hx" not in response.content.decode()


def test_credentials_are_encrypted_at_rest(api, owner_headers):
    integration_id = _create(api, owner_headers).json()["id"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials, config::text FROM integrations_integration WHERE id = %s", [integration_id])
        credentials, config = cursor.fetchone()
    assert credentials.startswith("enc:v1:")
    assert "sk_test" not in credentials and "sk_test" not in config
    assert Integration.objects.get(id=integration_id).credentials["secretKey"] == STRIPE["secretKey"]


def test_a_duplicate_name_in_the_same_company_answers_409(api, owner_headers):
    _create(api, owner_headers, name="Slack")
    response = _create(api, owner_headers, name="slack")
    assert response.status_code == 409
    assert response.json()["message"] == "An integration with this name already exists."


def test_the_same_name_in_another_company_is_fine(api, owner_headers, other_company, make_key):
    _create(api, owner_headers, name="Slack")
    assert _create(api, make_key(other_company), name="Slack").status_code == 201


@pytest.mark.parametrize(
    ("provider", "config", "field"),
    [
        ("stripe", {}, "secretKey"),
        ("woocommerce", {"baseUrl": "not a url", "consumerKey": "k", "consumerSecret": "s"}, "baseUrl"),
        ("woocommerce", {"baseUrl": "ftp://shop.example.com", "consumerKey": "k", "consumerSecret": "s"}, "baseUrl"),
        ("stripe", {**STRIPE, "colour": "blue"}, "colour"),
        ("smtp", {"host": "mail.example.com", "port": "twenty-five"}, "port"),
        ("sendgrid", {"apiKey": "SG.x", "fromEmail": "not-an-email"}, "fromEmail"),
        ("stripe", {**STRIPE, "publishableKey": "pk\u0000"}, "publishableKey"),
        ("stripe", {**STRIPE, "publishableKey": 42}, "publishableKey"),
    ],
)
def test_a_config_that_does_not_fit_the_provider_answers_400_naming_the_field(
    api, owner_headers, provider, config, field
):
    response = _create(api, owner_headers, provider=provider, config=config)
    assert response.status_code == 400
    assert field in response.json()["details"]["config"]
    assert not Integration.objects.exists()


def test_an_unknown_provider_answers_400_naming_the_allowed_ones(api, owner_headers):
    response = _create(api, owner_headers, provider="myspace")
    assert response.status_code == 400
    assert "woocommerce" in str(response.json()["details"]["provider"])


def test_a_type_that_contradicts_the_provider_answers_400(api, owner_headers):
    response = _create(api, owner_headers, type="messaging")
    assert response.status_code == 400
    assert "type" in response.json()["details"]


def test_list_is_paginated_and_scoped_to_the_company(api, owner_headers, other_company, make_key):
    # given
    _create(api, owner_headers, name="A")
    _create(api, owner_headers, name="B")
    _create(api, make_key(other_company), name="Theirs")
    # when
    response = api.get(f"{URL}?limit=1", **owner_headers)
    # then
    assert response.status_code == 200
    body = response.json()
    assert [i["name"] for i in body["integrations"]] == ["A"]
    assert body["pagination"]["total"] == 2
    assert body["pagination"]["hasNext"] is True


def test_update_changes_name_status_and_config_keeping_masked_secrets(api, owner_headers):
    # given
    created = _create(api, owner_headers).json()
    # when: the client sends back the masked config it was shown, changing one plain field
    config = {**created["config"], "publishableKey": "pk_test_123"}
    response = api.put(
        f"{URL}/{created['id']}",
        {"name": "Stripe EU", "status": "inactive", "config": config},
        format="json",
        **owner_headers,
    )
    # then
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "inactive"
    integration = Integration.objects.get(id=created["id"])
    assert integration.name == "Stripe EU"
    assert integration.credentials["secretKey"] == STRIPE["secretKey"]
    assert integration.config["publishableKey"] == "pk_test_123"


def test_update_can_replace_a_secret(api, owner_headers):
    created = _create(api, owner_headers).json()
    response = api.patch(
        f"{URL}/{created['id']}",
        {"config": {"secretKey": "sk_test_rotated_000000000009"}},
        format="json",
        **owner_headers,
    )
    assert response.json()["config"]["secretKey"] == "****0009"
    assert Integration.objects.get(id=created["id"]).credentials["secretKey"] == "sk_test_rotated_000000000009"


def test_update_to_a_taken_name_answers_409(api, owner_headers):
    _create(api, owner_headers, name="A")
    second = _create(api, owner_headers, name="B").json()
    response = api.patch(f"{URL}/{second['id']}", {"name": "A"}, format="json", **owner_headers)
    assert response.status_code == 409


def test_update_with_an_invalid_status_answers_400_naming_the_choices(api, owner_headers):
    created = _create(api, owner_headers).json()
    response = api.patch(f"{URL}/{created['id']}", {"status": "paused"}, format="json", **owner_headers)
    assert response.status_code == 400
    assert "status" in response.json()["details"]


def test_the_provider_of_an_integration_cannot_change(api, owner_headers):
    created = _create(api, owner_headers).json()
    response = api.patch(f"{URL}/{created['id']}", {"provider": "paypal"}, format="json", **owner_headers)
    assert response.status_code == 400


def test_delete_removes_the_integration(api, owner_headers):
    created = _create(api, owner_headers).json()
    assert api.delete(f"{URL}/{created['id']}", **owner_headers).status_code == 204
    assert api.get(f"{URL}/{created['id']}", **owner_headers).status_code == 404


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("get", ""), ("put", ""), ("patch", ""), ("delete", ""), ("get", "/logs"), ("post", "/health-check")],
)
def test_another_companys_integration_answers_404_to_every_call(
    api, owner_headers, other_company, make_key, method, suffix
):
    # given
    theirs = _create(api, make_key(other_company), name="Theirs").json()
    # when
    response = getattr(api, method)(
        f"{URL}/{theirs['id']}{suffix}", {"name": "Mine now"}, format="json", **owner_headers
    )
    # then
    assert response.status_code == 404
    assert Integration.objects.get(id=theirs["id"]).name == "Theirs"


def test_a_key_without_integrations_manage_cannot_create(api, company, make_key):
    response = _create(api, make_key(company, scopes=["integrations:read"]))
    assert response.status_code == 403
    assert response.json()["requiredScopes"] == ["integrations:manage"]


def test_a_key_without_integrations_read_cannot_list(api, company, make_key):
    assert api.get(URL, **make_key(company, scopes=["orders:read"])).status_code == 403


def test_a_member_by_jwt_can_read_but_not_manage(api, company, make_user, jwt_headers, owner_headers):
    _create(api, owner_headers)
    member = jwt_headers(make_user("member@acme.example", company, "member"), company)
    assert api.get(URL, **member).status_code == 200
    assert _create(api, member, name="Other").status_code == 403


def test_unauthenticated_calls_answer_401(api, db):
    assert api.get(URL).status_code == 401


def test_logs_of_an_integration_are_paginated_and_filtered_by_status(api, owner_headers, company):
    # given
    created = _create(api, owner_headers).json()
    for status in ["success", "error", "error"]:
        log_record(
            company_id=company.id,
            integration_type="stripe",
            integration_id=created["id"],
            operation="webhook",
            status=status,
            message=f"a {status}",
        )
    # when
    response = api.get(f"{URL}/{created['id']}/logs?status=error&limit=1", **owner_headers)
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["pagination"]["total"] == 2
    assert body["pagination"]["limit"] == 1
    assert body["logs"][0]["status"] == "error"
    assert body["logs"][0]["integrationId"] == created["id"]
    assert body["logs"][0]["createdAt"].endswith("Z")


def test_logs_default_to_ten_per_page_like_seeds_001(api, owner_headers, company):
    created = _create(api, owner_headers).json()
    assert api.get(f"{URL}/{created['id']}/logs", **owner_headers).json()["pagination"]["limit"] == 10


def test_logs_with_an_invalid_status_answer_400_naming_the_allowed_values(api, owner_headers):
    created = _create(api, owner_headers).json()
    response = api.get(f"{URL}/{created['id']}/logs?status=broken", **owner_headers)
    assert response.status_code == 400
    assert "success, error, pending" in response.json()["details"]["status"]


def test_providers_lists_every_provider_with_its_fields(api, owner_headers):
    response = api.get(f"{URL}/providers", **owner_headers)
    assert response.status_code == 200
    keys = {p["key"] for p in response.json()["providers"]}
    assert {"woocommerce", "shopify", "amazon", "stripe", "paypal", "square", "authorizenet", "razorpay"} <= keys
    assert {"twilio", "sendgrid", "smtp", "slack", "ubereats", "deliveroo", "careem", "talabat", "generic"} <= keys
    stripe = next(p for p in response.json()["providers"] if p["key"] == "stripe")
    assert {"name": "secretKey", "secret": True, "required": True}.items() <= stripe["configFields"][1].items()


@pytest.mark.parametrize("bad_id", ["000000000000000000000000000000000000", "F14D-31F916FdcfaBad096CB780F4ECa039a"])
def test_an_id_that_is_not_a_uuid_answers_404_not_500(api, owner_headers, bad_id):
    for method in ("get", "put", "patch", "delete"):
        assert getattr(api, method)(f"{URL}/{bad_id}", {}, format="json", **owner_headers).status_code == 404
    assert api.post(f"{URL}/{bad_id}/health-check", **owner_headers).status_code == 404


def test_the_list_filters_by_provider_category_and_status_and_names_allowed_values(api, owner_headers):
    # given a payments and a messaging integration, the latter switched off
    _create(api, owner_headers, name="Payments")
    slack = _create(
        api, owner_headers, name="Chat", provider="slack", config={"botToken": "xoxb-1-2-abc", "defaultChannel": "#o"}
    )
    assert slack.status_code == 201, slack.content
    api.patch(f"{URL}/{slack.json()['id']}", {"status": "inactive"}, format="json", **owner_headers)

    # when / then
    assert [i["name"] for i in api.get(f"{URL}?provider=stripe", **owner_headers).json()["integrations"]] == [
        "Payments"
    ]
    assert [i["name"] for i in api.get(f"{URL}?category=messaging", **owner_headers).json()["integrations"]] == ["Chat"]
    assert [i["name"] for i in api.get(f"{URL}?status=inactive", **owner_headers).json()["integrations"]] == ["Chat"]
    bad = api.get(f"{URL}?provider=nope", **owner_headers)
    assert bad.status_code == 400 and "stripe" in bad.json()["message"] and "woocommerce" in bad.json()["message"]
