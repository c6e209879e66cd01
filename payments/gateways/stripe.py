"""Stripe through the official `stripe` library: PaymentIntents (confirmed at once) and Refunds.

The library's HTTP goes through our transport seam (SeamHTTPClient), so the timeout, the
SSRF guard and the loopback stand-ins of the tests apply; the API base is the integration's
baseUrl. Library retries are off: our payment id is sent as Stripe's Idempotency-Key, so a
caller's retry is safe.
"""

import json
from collections.abc import Mapping
from typing import Any

import stripe

from payments.gateways import transport
from payments.gateways.base import ChargeRequest, GatewayResult, RefundRequest, to_minor

# The gateway answers a repeated idempotency key with the first result (payments.gateways.resends_safely).
IDEMPOTENT_CHARGES = True

# PaymentIntent.status → our outcome.
_INTENT_OUTCOMES = {
    "succeeded": "succeeded",
    "processing": "pending",
    "requires_action": "pending",
    "requires_capture": "pending",
    "requires_confirmation": "pending",
    "requires_payment_method": "declined",  # confirmation failed
    "canceled": "declined",
}
_REFUND_OUTCOMES = {"succeeded": "succeeded", "pending": "pending", "requires_action": "pending"}
_REFUND_REASONS = {"duplicate", "fraudulent", "requested_by_customer"}


class SeamHTTPClient(stripe.HTTPClient):
    """A stripe HTTPClient that sends through payments.gateways.transport (core.outbound underneath).

    Not `stripe.RequestsClient` over a PinnedSession: that client folds every network error
    into APIConnectionError, losing the timeout-versus-unreachable difference payments needs
    (after a timeout the charge may exist; GatewayTimeout keeps the payment pending).
    """

    name = "integration-hub"

    def request(self, method: str, url: str, headers: Mapping[str, str] | None, post_data: Any = None):
        response = transport.request(method.upper(), url, headers=dict(headers or {}), data=post_data)
        return response.content.decode("utf-8"), response.status_code, response.headers

    def request_stream(self, method: str, url: str, headers: Mapping[str, str] | None, post_data: Any = None):
        raise NotImplementedError("Streaming is not used.")

    def close(self) -> None:
        pass


def _raw(obj: stripe.StripeObject) -> dict[str, Any]:
    """Return the object's JSON as Stripe sent it."""
    response = obj.last_response
    return response.data if response is not None else json.loads(str(obj))


def _client(values: Mapping[str, Any]) -> stripe.StripeClient:
    base = str(values.get("baseUrl") or "https://api.stripe.com").rstrip("/")
    return stripe.StripeClient(
        str(values.get("secretKey") or ""),
        base_addresses={"api": base},
        http_client=SeamHTTPClient(),
        max_network_retries=0,
    )


def _error_result(exc: stripe.StripeError) -> GatewayResult:
    body = exc.json_body or {}
    error = body.get("error") or {}
    status = exc.http_status
    # Card errors (402) and invalid requests (400, 404) are refusals; auth, rate and server errors are Stripe's.
    refused = isinstance(exc, stripe.CardError | stripe.InvalidRequestError | stripe.IdempotencyError)
    intent = error.get("payment_intent") or {}
    return GatewayResult(
        outcome="declined" if refused else "error",
        transaction_id=str(intent.get("id") or ""),
        gateway_status=str(intent.get("status") or ""),
        code=str(error.get("decline_code") or error.get("code") or error.get("type") or type(exc).__name__),
        message=str(error.get("message") or exc.user_message or exc),
        raw=body,
        http_status=status,
    )


def charge(values: Mapping[str, Any], request: ChargeRequest) -> GatewayResult:
    params: dict[str, Any] = {
        "amount": to_minor(request.amount, request.currency),
        "currency": request.currency.lower(),
        "confirm": True,
        # Server-side confirmation cannot follow a redirect: such methods are refused up front.
        "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
        "metadata": {"hubPaymentId": request.reference, **{k: str(v) for k, v in request.metadata.items()}},
    }
    if request.payment_method_id:
        params["payment_method"] = request.payment_method_id
    if request.customer_id:
        params["customer"] = request.customer_id
    if request.description:
        params["description"] = request.description
    try:
        intent = _client(values).v1.payment_intents.create(params, {"idempotency_key": request.reference})
    except stripe.StripeError as exc:
        return _error_result(exc)
    raw = _raw(intent)
    error = raw.get("last_payment_error") or {}
    return GatewayResult(
        outcome=_INTENT_OUTCOMES.get(intent.status, "pending"),
        transaction_id=intent.id,
        gateway_status=intent.status,
        code=str(error.get("decline_code") or error.get("code") or ""),
        message=str(error.get("message") or ""),
        raw=raw,
        http_status=200,
        client_secret=str(raw.get("client_secret") or ""),
    )


def refund(values: Mapping[str, Any], request: RefundRequest) -> GatewayResult:
    params: dict[str, Any] = {
        "payment_intent": request.transaction_id,
        "amount": to_minor(request.amount, request.currency),
        "metadata": {"hubRefundId": request.reference},
    }
    if request.reason in _REFUND_REASONS:
        params["reason"] = request.reason
    try:
        result = _client(values).v1.refunds.create(params, {"idempotency_key": request.reference})
    except stripe.StripeError as exc:
        return _error_result(exc)
    raw = _raw(result)
    return GatewayResult(
        outcome=_REFUND_OUTCOMES.get(result.status or "", "declined"),
        transaction_id=result.id,
        gateway_status=str(result.status or ""),
        code=str(raw.get("failure_reason") or ""),
        raw=raw,
        http_status=200,
    )
