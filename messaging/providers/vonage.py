"""Vonage SMS API: POST /sms/json (form), answered 200 with a per-part status; delivery receipts come signed."""

from collections.abc import Mapping
from typing import Any

from messaging import outbound
from messaging.providers.base import Outgoing, SendError, SendResult, status_callback_url

CHANNEL = "sms"  # what messaging.providers attaches this adapter to

# Vonage's documented send statuses (HTTP is 200 either way): which ones another try could cure.
_RETRYABLE = {"1": "Throttled", "5": "Internal error", "10": "Too many existing binds"}
_PROVIDER = {
    "4": "Invalid credentials",
    "8": "Partner account barred",
    "9": "Partner quota violation",
    "11": "Account not enabled for HTTP",
    "14": "Invalid signature",
    "15": "Invalid sender address",
    "32": "Signature and API secret disallowed",
}


def send(values: Mapping[str, Any], outgoing: Outgoing) -> SendResult:
    sender = str(values.get("from") or "")
    if not sender:
        raise SendError(SendError.PROVIDER, "The Vonage integration has no sender (from).")
    text = outgoing.body_text
    form = {
        "api_key": str(values.get("apiKey") or ""),
        "api_secret": str(values.get("apiSecret") or ""),
        "from": sender.lstrip("+"),
        "to": outgoing.recipients[0].lstrip("+"),  # Vonage takes E.164 without the plus
        "text": text,
        "client-ref": outgoing.message_id,  # comes back in the delivery receipt
    }
    if not text.isascii():
        form["type"] = "unicode"
    callback = status_callback_url(str(values.get("_integrationId") or ""))
    if callback:
        form["status-report-req"] = "1"
        form["callback"] = callback
    base = str(values.get("baseUrl") or "https://rest.nexmo.com").rstrip("/")
    response, body = outbound.http_json("POST", f"{base}/sms/json", data=form)
    parts = body.get("messages") if isinstance(body, dict) else None
    if not parts or not isinstance(parts[0], dict):
        raise SendError(
            SendError.RETRYABLE, "Vonage answered without a messages list.", status_code=response.status_code
        )
    first = parts[0]
    status = str(first.get("status", ""))
    if status != "0":
        error = f"Vonage status {status}: {first.get('error-text') or _RETRYABLE.get(status) or _PROVIDER.get(status)}"
        kind = SendError.RETRYABLE if status in _RETRYABLE else SendError.PROVIDER if status in _PROVIDER else None
        raise SendError(
            kind or SendError.REJECTED,
            error,
            status_code=response.status_code,
            retry_after=1.0 if status == "1" else None,  # throttled: Vonage allows a few per second
        )
    return SendResult(provider_message_id=str(first.get("message-id") or ""), status_code=response.status_code)
