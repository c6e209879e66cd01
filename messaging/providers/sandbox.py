"""The sandbox outbox: accepts every email, SMS and chat message and stores it (admin → Sandbox outbox)."""

from collections.abc import Mapping
from typing import Any

from messaging.providers.base import Outgoing, SendResult

CHANNELS = ("email", "sms", "chat")  # what messaging.providers attaches this adapter to


def send(values: Mapping[str, Any], outgoing: Outgoing) -> SendResult:
    from messaging.models import SandboxMessage  # models load after the registry

    rows = SandboxMessage.objects.bulk_create(
        [
            SandboxMessage(
                company_id=outgoing.company_id,
                integration_id=values.get("_integrationId") or None,
                message_id=outgoing.message_id,
                channel=outgoing.channel,
                recipient=recipient[:255],
                subject=outgoing.subject,
                body_text=outgoing.body_text,
                body_html=outgoing.body_html,
            )
            for recipient in (outgoing.recipients or [""])
        ]
    )
    return SendResult(provider_message_id=f"sandbox-{rows[0].id}" if rows[0].id else "sandbox", status_code=200)
