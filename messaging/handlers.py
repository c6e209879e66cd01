"""Inbound provider reports for messages: Twilio status callbacks and SendGrid event webhooks."""

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
