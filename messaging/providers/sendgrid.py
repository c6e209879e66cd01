"""SendGrid email: v3 /mail/send JSON; 202 Accepted carries the id in X-Message-Id."""

from collections.abc import Mapping
from typing import Any

from messaging import outbound
from messaging.providers.base import Outgoing, SendError, SendResult

CHANNEL = "email"  # what messaging.providers attaches this adapter to


def mail_body(sender: str, outgoing: Outgoing) -> dict[str, Any]:
    """Return the v3 /mail/send request body; custom_args come back in event webhooks."""
    content = []
    if outgoing.body_text:
        content.append({"type": "text/plain", "value": outgoing.body_text})
    if outgoing.body_html:
        content.append({"type": "text/html", "value": outgoing.body_html})
    return {
        # One personalization per recipient: each gets their own email and sees only their own address.
        "personalizations": [{"to": [{"email": address}]} for address in outgoing.recipients],
        "from": {"email": sender},
        "subject": outgoing.subject,
        "content": content,
        "custom_args": {"hub_message_id": outgoing.message_id},
    }


def send(values: Mapping[str, Any], outgoing: Outgoing) -> SendResult:
    sender = str(values.get("fromEmail") or "")
    if not sender:
        raise SendError(SendError.PROVIDER, "The SendGrid integration has no fromEmail.")
    base = str(values.get("baseUrl") or "https://api.sendgrid.com").rstrip("/")
    response, _ = outbound.http_json(
        "POST",
        f"{base}/v3/mail/send",
        headers={"Authorization": f"Bearer {values.get('apiKey', '')}"},
        json_body=mail_body(sender, outgoing),
    )
    return SendResult(provider_message_id=response.headers.get("X-Message-Id", ""), status_code=response.status_code)
