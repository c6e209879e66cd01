"""Lists on django-filter: camelCase parameters, allowed values in 400s, dates that never answer 500."""

import pytest

from core.filters import parse_when

LISTS = [
    ("/api/v1/orders", ["orders:read"]),
    ("/api/v1/payments", ["payments:read"]),
    ("/api/v1/messages", ["messages:send"]),
    ("/api/v1/logs/webhooks", ["logs:read"]),
]


@pytest.mark.parametrize(("url", "scopes"), LISTS)
@pytest.mark.parametrize("query", ["endDate=9999-12-31", "startDate=2025-11-01", "startDate=0001-01-01"])
def test_bare_and_extreme_dates_are_valid_filters(api, make_key, company, url, scopes, query):
    response = api.get(f"{url}?{query}", **make_key(company, scopes=scopes))
    assert response.status_code == 200, response.content
    assert response.json()["pagination"]["total"] == 0


def test_bare_dates_on_webhook_deliveries_are_valid(api, make_key, company):
    # given
    headers = make_key(company, scopes=["webhooks:read", "webhooks:manage"])
    from webhooks import services

    endpoint, _ = services.endpoint_create(
        company_id=company.id, name="e", url="https://example.com/hook", events=["order.created"]
    )
    # when
    response = api.get(f"/api/v1/webhooks/{endpoint.id}/deliveries?startDate=2025-11-01&endDate=9999-12-31", **headers)
    # then
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(("url", "scopes"), LISTS)
@pytest.mark.parametrize("query", ["startDate=yesterday", "endDate=2025-13-45", "startDate=2025-01-01T00:00:00+20:00"])
def test_a_date_that_is_not_one_answers_400_naming_the_parameter(api, make_key, company, url, scopes, query):
    response = api.get(f"{url}?{query.replace('+', '%2B')}", **make_key(company, scopes=scopes))
    assert response.status_code == 400
    name = query.split("=")[0]
    assert name in response.json()["details"]
    assert f"{name} must be an ISO 8601 date or datetime" in str(response.json()["details"][name])


def test_start_after_end_answers_400(api, make_key, company):
    response = api.get(
        "/api/v1/orders?startDate=2025-11-06&endDate=2025-11-01", **make_key(company, scopes=["orders:read"])
    )
    assert response.status_code == 400
    assert "startDate must not be after endDate" in str(response.json()["details"]["startDate"])


def test_an_invalid_choice_names_the_allowed_values_with_the_camel_case_parameter(api, make_key, company):
    response = api.get("/api/v1/orders?orderType=drone", **make_key(company, scopes=["orders:read"]))
    assert response.status_code == 400
    assert response.json()["details"]["orderType"] == ["Invalid orderType. Must be one of: delivery, pickup, dine_in"]


def test_a_bare_end_date_includes_its_whole_day():
    end = parse_when("2025-11-06", end_of_day=True)
    assert (end.hour, end.minute, end.second, end.microsecond) == (23, 59, 59, 999_999)
    assert parse_when("2025-11-06").hour == 0


def test_the_schema_lists_filter_parameters_with_their_enums(api, owner_headers):
    schema = api.get("/api/schema/?format=json", **owner_headers).json()
    paths = {path.rstrip("/"): item for path, item in schema["paths"].items()}
    for path, name, value in [
        ("/api/v1/orders", "orderType", "dine_in"),
        ("/api/v1/payments", "gateway", "stripe"),
        ("/api/v1/messages", "channel", "sms"),
        ("/api/v1/logs/webhooks", "status", "failed"),
    ]:
        params = {p["name"]: p for p in paths[path]["get"]["parameters"]}
        assert value in params[name]["schema"]["enum"], (path, name)
        assert params["startDate"]["schema"]["format"] == "date-time"
        assert {"page", "limit"} <= set(params)
