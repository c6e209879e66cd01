"""PayPal REST: an OAuth client-credentials token, Orders v2 (create with a vaulted source, capture), Refunds.

`paymentMethodId` is a PayPal vault id (a saved payer's payment token). The capture's id is
the transaction id: PayPal's PAYMENT.CAPTURE.* webhooks and refunds name it.
"""

from collections.abc import Mapping
from typing import Any

from payments.gateways import transport
from payments.gateways.base import (
    ChargeRequest,
    GatewayResult,
    RefundRequest,
    api_url,
    decimal_str,
    http_failure,
    json_or_text,
    status_result,
)

# The gateway answers a repeated idempotency key with the first result (payments.gateways.resends_safely).
IDEMPOTENT_CHARGES = True

_CAPTURE_OUTCOMES = {"COMPLETED": "succeeded", "PENDING": "pending", "DECLINED": "declined", "FAILED": "declined"}
_REFUND_OUTCOMES = {"COMPLETED": "succeeded", "PENDING": "pending", "CANCELLED": "declined", "FAILED": "declined"}


def _token(values: Mapping[str, Any]) -> str | GatewayResult:
    response = transport.request(
        "POST",
        api_url(values, "v1/oauth2/token"),
        auth=(str(values.get("clientId") or ""), str(values.get("clientSecret") or "")),
        data={"grant_type": "client_credentials"},
    )
    body = json_or_text(response)
    if response.status_code != 200 or not body.get("access_token"):
        return GatewayResult(
            outcome="error",
            code=str(body.get("error") or f"http_{response.status_code}"),
            message=f"PayPal refused the client credentials: {body.get('error_description') or response.status_code}.",
            raw=body,
            http_status=response.status_code,
        )
    return str(body["access_token"])


def _failure(response, body: Any) -> GatewayResult:
    details = body.get("details") or [{}] if isinstance(body, dict) else [{}]
    first = details[0] if details else {}
    return http_failure(
        response,
        body,
        code=str(first.get("issue") or body.get("name") or ""),
        message=str(first.get("description") or body.get("message") or ""),
    )


def _headers(token: str, request_id: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "PayPal-Request-Id": request_id,  # PayPal's idempotency key
        "Prefer": "return=representation",
    }


def _capture_of(order: Mapping[str, Any]) -> dict[str, Any]:
    units = order.get("purchase_units") or [{}]
    captures = (units[0].get("payments") or {}).get("captures") or []
    return captures[0] if captures else {}


def charge(values: Mapping[str, Any], request: ChargeRequest) -> GatewayResult:
    token = _token(values)
    if isinstance(token, GatewayResult):
        return token
    unit: dict[str, Any] = {
        "reference_id": request.reference,
        "custom_id": request.reference,
        "amount": {"currency_code": request.currency, "value": decimal_str(request.amount, request.currency)},
    }
    if request.description:
        unit["description"] = request.description[:127]
    body: dict[str, Any] = {"intent": "CAPTURE", "purchase_units": [unit]}
    if request.payment_method_id:
        body["payment_source"] = {"paypal": {"vault_id": request.payment_method_id}}
    response = transport.request(
        "POST", api_url(values, "v2/checkout/orders"), headers=_headers(token, request.reference), json_body=body
    )
    order = json_or_text(response)
    if response.status_code not in (200, 201):
        return _failure(response, order)
    # A vaulted source may complete the order at once; otherwise the approved order is captured.
    if order.get("status") != "COMPLETED":
        response = transport.request(
            "POST",
            api_url(values, f"v2/checkout/orders/{order.get('id')}/capture"),
            headers=_headers(token, f"{request.reference}-capture"),
            json_body={},
        )
        order = json_or_text(response)
        if response.status_code not in (200, 201):
            return _failure(response, order)
    capture = _capture_of(order)
    status = str(capture.get("status") or order.get("status") or "")
    reason = (capture.get("status_details") or {}).get("reason", "")
    return GatewayResult(
        outcome=_CAPTURE_OUTCOMES.get(status, "pending"),
        transaction_id=str(capture.get("id") or ""),
        gateway_status=status,
        code=str(reason) if status in ("DECLINED", "FAILED") else "",
        message=f"PayPal capture {status.lower()}" + (f": {reason}" if reason else "") + ".",
        raw=order,
        http_status=response.status_code,
    )


def refund(values: Mapping[str, Any], request: RefundRequest) -> GatewayResult:
    token = _token(values)
    if isinstance(token, GatewayResult):
        return token
    body: dict[str, Any] = {
        "amount": {"currency_code": request.currency, "value": decimal_str(request.amount, request.currency)},
        "invoice_id": request.reference,
    }
    if request.reason:
        body["note_to_payer"] = request.reason[:255]
    response = transport.request(
        "POST",
        api_url(values, f"v2/payments/captures/{request.transaction_id}/refund"),
        headers=_headers(token, request.reference),
        json_body=body,
    )
    result = json_or_text(response)
    if response.status_code not in (200, 201):
        return _failure(response, result)
    return status_result(
        _REFUND_OUTCOMES,
        str(result.get("status") or ""),
        transaction_id=str(result.get("id") or ""),
        raw=result,
        http_status=response.status_code,
    )
