"""The application-error family: each class answers its status in the envelope, mapped once."""

import pytest
from django.urls import path
from rest_framework.request import Request
from rest_framework.views import APIView

from core import errors

ENVELOPE_KEYS = {"statusCode", "error", "message", "details"}


class _Raises(APIView):
    """A view that raises whatever the test put on the request's query (the service boundary)."""

    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes: list = []
    error: Exception = errors.ApplicationError()

    def get(self, request: Request):
        raise type(self).error


urlpatterns = [path("raises", _Raises.as_view())]


@pytest.fixture
def raising(settings):
    settings.ROOT_URLCONF = __name__

    def use(error: Exception) -> None:
        _Raises.error = error

    return use


@pytest.mark.parametrize(
    ("error", "status", "reason"),
    [
        (errors.InvalidInput(details={"field": "Bad."}), 400, "Bad Request"),
        (errors.PaymentDeclined("Declined."), 402, "Payment Required"),
        (errors.PermissionDenied(), 403, "Forbidden"),
        (errors.NotFound("Order not found."), 404, "Not Found"),
        (errors.Conflict("Taken.", details={"id": "1"}), 409, "Conflict"),
        (errors.Unprocessable(), 422, "Unprocessable Entity"),
        (errors.RateLimited(retry_after=7), 429, "Too Many Requests"),
        (errors.UpstreamError(), 502, "Bad Gateway"),
        (errors.UpstreamTimeout(), 504, "Gateway Timeout"),
    ],
)
def test_each_error_answers_its_status_in_the_envelope(api, raising, error, status, reason):
    # given
    raising(error)
    # when
    response = api.get("/raises")
    # then
    assert response.status_code == status
    body = response.json()
    assert set(body) >= ENVELOPE_KEYS
    assert (body["statusCode"], body["error"]) == (status, reason)
    assert body["message"]


def test_invalid_input_names_the_first_field_in_camel_case_like_details(api, raising):
    raising(errors.InvalidInput(details={"integration_ids": "An integration appears twice."}))
    body = api.get("/raises").json()
    assert body["details"] == {"integrationIds": "An integration appears twice."}
    assert body["message"] == "The request is invalid: integrationIds: An integration appears twice."


def test_a_conflict_keeps_its_message_and_details(api, raising):
    raising(errors.Conflict("The order is pending, not ready.", details={"allowed": ["confirmed"]}))
    body = api.get("/raises").json()
    assert body["message"] == "The order is pending, not ready."
    assert body["details"] == {"allowed": ["confirmed"]}


def test_rate_limited_adds_retry_after_to_the_body_and_the_header(api, raising):
    raising(errors.RateLimited(retry_after=7))
    response = api.get("/raises")
    assert response["Retry-After"] == "7"
    assert response.json()["retryAfter"] == 7


def test_a_status_can_be_overridden_for_one_raise(api, raising):
    raising(errors.ApplicationError("Gone for good.", status=410))
    assert api.get("/raises").status_code == 410


def test_invalid_input_is_also_a_value_error_for_callers_outside_the_api():
    with pytest.raises(ValueError, match="url: no"):
        raise errors.InvalidInput(details={"url": "no"})


def test_service_errors_reach_the_api_through_the_one_mapping(api, make_key, company):
    # given: an order service refusing a transition raises core.errors.Conflict, never a DRF exception
    from orders import services

    assert issubclass(services.IllegalTransition, errors.Conflict)
    assert issubclass(services.OrderValidationError, errors.InvalidInput)
    # when: the messaging service refuses a route through the API
    headers = make_key(company, scopes=["messages:send"])
    response = api.put(
        "/api/v1/message-routes/sms",
        {"integrationIds": ["00000000-0000-0000-0000-000000000001"]},
        format="json",
        **headers,
    )
    # then
    assert response.status_code == 400
    assert "integrationIds" in response.json()["details"]
    assert response.json()["message"].startswith("The request is invalid: integrationIds:")
