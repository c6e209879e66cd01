"""Square: CreatePayment (POST /v2/payments) and RefundPayment (POST /v2/refunds), with idempotency keys."""

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from payments.gateways import transport
from payments.gateways.base import (
    ChargeRequest,
    GatewayResult,
    RefundRequest,
    api_url,
    http_failure,
    json_or_text,
    status_result,
    to_minor,
)

# The gateway answers a repeated idempotency key with the first result (payments.gateways.resends_safely).
IDEMPOTENT_CHARGES = True

SQUARE_VERSION = "2024-10-17"
_PAYMENT_OUTCOMES = {
    "COMPLETED": "succeeded",
    "APPROVED": "pending",
    "PENDING": "pending",
    "FAILED": "declined",
    "CANCELED": "declined",
}
_REFUND_OUTCOMES = {"COMPLETED": "succeeded", "PENDING": "pending", "REJECTED": "declined", "FAILED": "declined"}


def _headers(values: Mapping[str, Any]) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {values.get('accessToken') or ''}",
        "Content-Type": "application/json",
        "Square-Version": SQUARE_VERSION,
    }


def _failure(response, body: Any) -> GatewayResult:
    errors = (body.get("errors") if isinstance(body, dict) else None) or [{}]
    result = http_failure(
        response, body, code=str(errors[0].get("code") or ""), message=str(errors[0].get("detail") or "")
    )
    payment = body.get("payment") if isinstance(body, dict) else None
    if payment:  # a declined card still creates a FAILED payment with an id
        return replace(
            result, transaction_id=str(payment.get("id") or ""), gateway_status=str(payment.get("status") or "")
        )
    return result


def charge(values: Mapping[str, Any], request: ChargeRequest) -> GatewayResult:
    body: dict[str, Any] = {
        "idempotency_key": request.reference,
        "source_id": request.payment_method_id,
        "amount_money": {"amount": to_minor(request.amount, request.currency), "currency": request.currency},
        "autocomplete": True,
        "reference_id": request.reference,
    }
    if values.get("locationId"):
        body["location_id"] = str(values["locationId"])
    if request.customer_id:
        body["customer_id"] = request.customer_id
    if request.description:
        body["note"] = request.description[:500]
    response = transport.request("POST", api_url(values, "v2/payments"), headers=_headers(values), json_body=body)
    result = json_or_text(response)
    if response.status_code != 200:
        return _failure(response, result)
    payment = result.get("payment") or {}
    return status_result(
        _PAYMENT_OUTCOMES,
        str(payment.get("status") or ""),
        transaction_id=str(payment.get("id") or ""),
        raw=result,
        http_status=response.status_code,
    )


def refund(values: Mapping[str, Any], request: RefundRequest) -> GatewayResult:
    body: dict[str, Any] = {
        "idempotency_key": request.reference,
        "payment_id": request.transaction_id,
        "amount_money": {"amount": to_minor(request.amount, request.currency), "currency": request.currency},
    }
    if request.reason:
        body["reason"] = request.reason[:192]
    response = transport.request("POST", api_url(values, "v2/refunds"), headers=_headers(values), json_body=body)
    result = json_or_text(response)
    if response.status_code != 200:
        return _failure(response, result)
    refund_obj = result.get("refund") or {}
    return status_result(
        _REFUND_OUTCOMES,
        str(refund_obj.get("status") or ""),
        transaction_id=str(refund_obj.get("id") or ""),
        raw=result,
        http_status=response.status_code,
    )
