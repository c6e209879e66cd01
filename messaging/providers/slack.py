"""Slack chat: an incoming-webhook URL when configured, else chat.postMessage with the bot token."""

from collections.abc import Mapping
from typing import Any

from messaging import outbound
from messaging.providers.base import Outgoing, SendError, SendResult, classify_status

CHANNEL = "chat"  # what messaging.providers attaches this adapter to

# chat.postMessage answers HTTP 200 with ok=false; these errors are worth another provider or a later try.
_RETRYABLE_ERRORS = {"ratelimited", "service_unavailable", "fatal_error", "internal_error", "request_timeout"}
_PROVIDER_ERRORS = {"not_authed", "invalid_auth", "account_inactive", "token_revoked", "missing_scope"}


def send(values: Mapping[str, Any], outgoing: Outgoing) -> SendResult:
    text = outgoing.body_text
    channel = (outgoing.recipients[0] if outgoing.recipients else "") or str(values.get("defaultChannel") or "")
    webhook = str(values.get("webhookUrl") or "")
    if webhook:
        response = outbound.http_request("POST", webhook, json_body={"text": text})
        if response.status_code >= 300:
            raise SendError(
                classify_status(response.status_code),
                f"HTTP {response.status_code}: {response.text[:300]}",
                status_code=response.status_code,
            )
        return SendResult(provider_message_id="", status_code=response.status_code)
    if not channel:
        raise SendError(SendError.REJECTED, "No Slack channel: give `to` or set the integration's defaultChannel.")
    base = str(values.get("baseUrl") or "https://slack.com").rstrip("/")
    response, body = outbound.http_json(
        "POST",
        f"{base}/api/chat.postMessage",
        headers={"Authorization": f"Bearer {values.get('botToken', '')}"},
        json_body={"channel": channel, "text": text},
    )
    if not isinstance(body, dict) or not body.get("ok"):
        error = str(body.get("error") if isinstance(body, dict) else "unexpected answer")
        kind = (
            SendError.RETRYABLE
            if error in _RETRYABLE_ERRORS
            else SendError.PROVIDER
            if error in _PROVIDER_ERRORS
            else SendError.REJECTED
        )
        raise SendError(kind, f"Slack: {error}", status_code=response.status_code)
    return SendResult(provider_message_id=str(body.get("ts") or ""), status_code=response.status_code)
