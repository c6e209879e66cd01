"""Authorize.Net's JSON API: createTransactionRequest (authCaptureTransaction, refundTransaction).

Every call is POST {baseUrl}/xml/v1/request.api (production https://api.authorize.net,
sandbox https://apitest.authorize.net); answers are HTTP 200 with a UTF-8 BOM, the outcome
being in messages.resultCode and transactionResponse.responseCode (1 approved, 2 declined,
3 error, 4 held for review). `paymentMethodId` is an Accept.js opaque data value.
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
)

_RESPONSE_OUTCOMES = {"1": "succeeded", "2": "declined", "3": "declined", "4": "pending"}
_RESPONSE_WORDS = {"1": "approved", "2": "declined", "3": "error", "4": "held_for_review"}


def _auth(values: Mapping[str, Any]) -> dict[str, str]:
    return {"name": str(values.get("apiLoginId") or ""), "transactionKey": str(values.get("transactionKey") or "")}


def _send(values: Mapping[str, Any], reference: str, transaction: dict[str, Any]) -> GatewayResult:
    body = {
        "createTransactionRequest": {
            "merchantAuthentication": _auth(values),
            "refId": reference.replace("-", "")[:20],
            "transactionRequest": transaction,
        }
    }
    response = transport.request(
        "POST", api_url(values, "xml/v1/request.api"), headers={"Content-Type": "application/json"}, json_body=body
    )
    result = json_or_text(response)
    if response.status_code != 200 or not isinstance(result, dict):
        return http_failure(response, result)
    tx = result.get("transactionResponse") or {}
    code = str(tx.get("responseCode") or "")
    messages = (result.get("messages") or {}).get("message") or [{}]
    errors = tx.get("errors") or []
    if not code:  # refused before any transaction: credentials, malformed request
        return GatewayResult(
            outcome="error" if messages[0].get("code") == "E00007" else "declined",  # E00007: authentication failed
            code=str(messages[0].get("code") or "error"),
            message=str(messages[0].get("text") or "Authorize.Net refused the request."),
            raw=result,
            http_status=200,
        )
    tx_messages = tx.get("messages") or [{}]
    return GatewayResult(
        outcome=_RESPONSE_OUTCOMES.get(code, "declined"),
        transaction_id=str(tx.get("transId") or ""),
        gateway_status=_RESPONSE_WORDS.get(code, code),
        code=str(errors[0].get("errorCode")) if errors else "",
        message=str(errors[0].get("errorText") if errors else tx_messages[0].get("description") or ""),
        raw=result,
        http_status=200,
    )


def charge(values: Mapping[str, Any], request: ChargeRequest) -> GatewayResult:
    transaction: dict[str, Any] = {
        "transactionType": "authCaptureTransaction",
        "amount": decimal_str(request.amount, request.currency),
        "currencyCode": request.currency,
        "payment": {
            "opaqueData": {"dataDescriptor": "COMMON.ACCEPT.INAPP.PAYMENT", "dataValue": request.payment_method_id}
        },
        "order": {"invoiceNumber": request.reference.replace("-", "")[:20], "description": request.description[:255]},
    }
    if request.customer_id:
        transaction["customer"] = {"id": request.customer_id[:20]}
    return _send(values, request.reference, transaction)


def refund(values: Mapping[str, Any], request: RefundRequest) -> GatewayResult:
    # A refund names the card's last four digits, which the charge's answer gave (accountNumber "XXXX1111").
    charged = ((request.payment_response or {}).get("transactionResponse") or {}).get("accountNumber") or "XXXX"
    transaction = {
        "transactionType": "refundTransaction",
        "amount": decimal_str(request.amount, request.currency),
        "currencyCode": request.currency,
        "payment": {"creditCard": {"cardNumber": str(charged)[-4:], "expirationDate": "XXXX"}},
        "refTransId": request.transaction_id,
    }
    return _send(values, request.reference, transaction)
