"""Razorpay: capture an authorized payment (POST /v1/payments/{id}/capture) and refund it.

Razorpay payments are authorized by its Checkout on the customer's side; `paymentMethodId`
is that payment's id (pay_…), which the hub captures for the given amount.
"""

from collections.abc import Mapping
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

_PAYMENT_OUTCOMES = {"captured": "succeeded", "authorized": "pending", "created": "pending", "failed": "declined"}
_REFUND_OUTCOMES = {"processed": "succeeded", "pending": "pending", "failed": "declined"}


def _auth(values: Mapping[str, Any]) -> tuple[str, str]:
    return str(values.get("keyId") or ""), str(values.get("keySecret") or "")


def _failure(response, body: Any) -> GatewayResult:
    error = (body.get("error") if isinstance(body, dict) else None) or {}
    return http_failure(
        response,
        body,
        code=str(error.get("reason") or error.get("code") or ""),
        message=str(error.get("description") or ""),
    )


def charge(values: Mapping[str, Any], request: ChargeRequest) -> GatewayResult:
    body = {"amount": to_minor(request.amount, request.currency), "currency": request.currency}
    response = transport.request(
        "POST", api_url(values, f"v1/payments/{request.payment_method_id}/capture"), auth=_auth(values), json_body=body
    )
    result = json_or_text(response)
    if response.status_code != 200:
        return _failure(response, result)
    return status_result(
        _PAYMENT_OUTCOMES,
        str(result.get("status") or ""),
        transaction_id=str(result.get("id") or request.payment_method_id),
        code=str(result.get("error_code") or ""),
        message=str(result.get("error_description") or ""),
        raw=result,
        http_status=response.status_code,
    )


def refund(values: Mapping[str, Any], request: RefundRequest) -> GatewayResult:
    body: dict[str, Any] = {
        "amount": to_minor(request.amount, request.currency),
        "receipt": request.reference[:40],
        "notes": {"hubRefundId": request.reference, **({"reason": request.reason[:255]} if request.reason else {})},
    }
    response = transport.request(
        "POST", api_url(values, f"v1/payments/{request.transaction_id}/refund"), auth=_auth(values), json_body=body
    )
    result = json_or_text(response)
    if response.status_code != 200:
        return _failure(response, result)
    return status_result(
        _REFUND_OUTCOMES,
        str(result.get("status") or ""),
        transaction_id=str(result.get("id") or ""),
        raw=result,
        http_status=response.status_code,
    )
