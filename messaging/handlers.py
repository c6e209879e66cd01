"""Inbound provider reports for messages: Twilio, Vonage and Textlocal receipts, SendGrid event webhooks."""

from uuid import UUID

from integrations.inbound.registry import InboundMessage
from messaging import services
from messaging.models import Message

TWILIO_STATUSES = {
    "delivered": Message.Status.DELIVERED,
    "failed": Message.Status.FAILED,
    "undelivered": Message.Status.FAILED,
}
SENDGRID_EVENTS = {
    "delivered": Message.Status.DELIVERED,
    "bounce": Message.Status.FAILED,
    "dropped": Message.Status.FAILED,
}


def twilio_status(inbound: InboundMessage) -> None:
    """Apply a Twilio status callback (MessageStatus delivered, failed or undelivered)."""
    params = inbound.payload if isinstance(inbound.payload, dict) else {}
    status = TWILIO_STATUSES.get(str(params.get("MessageStatus", "")))
    if status is None:
        return
    code = params.get("ErrorCode")
    services.message_status_report(
        company_id=inbound.company_id,
        provider="twilio",
        provider_message_id=str(params.get("MessageSid") or params.get("SmsSid") or ""),
        status=status,
        error=f"Twilio reported {params.get('MessageStatus')}" + (f" (error {code})" if code else "") + ".",
    )


def sendgrid_events(inbound: InboundMessage) -> None:
    """Apply SendGrid's delivered, bounce and dropped events, matched by our custom arg or its message id."""
    events = inbound.payload if isinstance(inbound.payload, list) else []
    for event in events:
        if not isinstance(event, dict):
            continue
        status = SENDGRID_EVENTS.get(str(event.get("event", "")))
        if status is None:
            continue
        reason = str(event.get("reason") or event.get("response") or "")
        services.message_status_report(
            company_id=inbound.company_id,
            provider="sendgrid",
            message_id=str(event.get("hub_message_id") or ""),
            # sg_message_id is X-Message-Id plus a ".filter..." suffix
            provider_message_id=str(event.get("sg_message_id") or "").split(".filter")[0],
            status=status,
            error=f"SendGrid {event.get('event')}" + (f": {reason}" if reason else "") + ".",
        )


VONAGE_STATUSES = {
    "delivered": Message.Status.DELIVERED,
    "failed": Message.Status.FAILED,
    "rejected": Message.Status.FAILED,
    "expired": Message.Status.FAILED,
}
TEXTLOCAL_STATUSES = {
    "delivered": Message.Status.DELIVERED,
    "undelivered": Message.Status.FAILED,
    "invalid": Message.Status.FAILED,
    "expired": Message.Status.FAILED,
}


def vonage_receipt(inbound: InboundMessage) -> None:
    """Apply a signed Vonage delivery receipt, matched by our client-ref or Vonage's messageId."""
    params = inbound.payload if isinstance(inbound.payload, dict) else {}
    status = VONAGE_STATUSES.get(str(params.get("status", "")))
    if status is None:
        return  # accepted, buffered, unknown: not an outcome yet
    code = params.get("err-code")
    services.message_status_report(
        company_id=inbound.company_id,
        provider="vonage",
        message_id=str(params.get("client-ref") or ""),
        provider_message_id=str(params.get("messageId") or ""),
        status=status,
        error=f"Vonage reported {params.get('status')}" + (f" (err-code {code})" if code and code != "0" else "") + ".",
    )


def textlocal_receipt(inbound: InboundMessage) -> None:
    """Apply a Textlocal receipt (status D delivered; U, I, E failed), matched by our customID."""
    params = inbound.payload if isinstance(inbound.payload, dict) else {}
    status = TEXTLOCAL_STATUSES.get(inbound.topic.removeprefix("message."))
    if status is None:
        return
    custom = str(params.get("customID") or "")
    try:
        message_id = str(UUID(hex=custom)) if custom else ""
    except ValueError:
        message_id = ""
    services.message_status_report(
        company_id=inbound.company_id,
        provider="textlocal",
        message_id=message_id,
        status=status,
        error=f"Textlocal reported {inbound.topic.removeprefix('message.')} for {params.get('number', '')}.",
    )
