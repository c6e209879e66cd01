"""Textlocal SMS: POST /send/ (form) answering {"status": "success"|"failure"}; receipts come to our receipt URL."""

from collections.abc import Mapping
from typing import Any

from messaging import outbound
from messaging.providers.base import Outgoing, SendError, SendResult, status_callback_url

CHANNEL = "sms"  # what messaging.providers attaches this adapter to

# Textlocal's documented error codes: our account or configuration (another provider may do) ...
_PROVIDER = {3, 7, 8, 43, 44, 80, 191}
# ... and the passing ones.
_RETRYABLE = {192, 194}


def custom_id(message_id: str) -> str:
    """Textlocal's `custom` is alphanumeric: our message id without its hyphens."""
    return message_id.replace("-", "")


def send(values: Mapping[str, Any], outgoing: Outgoing) -> SendResult:
    form = {
        "apikey": str(values.get("apiKey") or ""),
        "numbers": outgoing.recipients[0].lstrip("+"),
        "message": outgoing.body_text,
        "sender": str(values.get("sender") or ""),
        "custom": custom_id(outgoing.message_id),
    }
    callback = status_callback_url(str(values.get("_integrationId") or ""))
    if callback and values.get("receiptToken"):
        form["receipt_url"] = f"{callback}?token={values['receiptToken']}"
    base = str(values.get("baseUrl") or "https://api.txtlocal.com").rstrip("/")
    response, body = outbound.http_json("POST", f"{base}/send/", data=form)
    if not isinstance(body, dict):
        raise SendError(SendError.RETRYABLE, "Textlocal answered without JSON.", status_code=response.status_code)
    if body.get("status") != "success":
        errors = body.get("errors") if isinstance(body.get("errors"), list) else []
        first = errors[0] if errors and isinstance(errors[0], dict) else {}
        code = int(first.get("code") or 0) if str(first.get("code") or "0").isdigit() else 0
        kind = SendError.PROVIDER if code in _PROVIDER else SendError.RETRYABLE if code in _RETRYABLE else None
        raise SendError(
            kind or SendError.REJECTED,
            f"Textlocal error {code}: {first.get('message', 'failure')}",
            status_code=response.status_code,
        )
    messages = body.get("messages") if isinstance(body.get("messages"), list) else []
    provider_id = str(messages[0].get("id")) if messages and isinstance(messages[0], dict) else ""
    return SendResult(provider_message_id=provider_id or str(body.get("batch_id") or ""), status_code=200)
