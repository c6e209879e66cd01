"""Demo data: the built-in templates copied into the company, and a sandbox provider so email and SMS can be sent."""

from integrations import services as integration_services
from integrations.models import Integration
from messaging import services
from messaging.defaults import DEFAULT_TEMPLATES
from messaging.models import MessageTemplate

SANDBOX_NAME = "Demo sandbox (email, SMS and chat outbox)"


def seed(company) -> None:
    for default in DEFAULT_TEMPLATES:
        MessageTemplate.objects.get_or_create(
            company=company,
            name=default.name,
            channel=default.channel,
            defaults={
                "description": default.description,
                "subject": default.subject,
                "body_text": default.body_text,
                "body_html": default.body_html,
                "sample_context": default.sample_context,
            },
        )
    # The only email and SMS provider of the demo: what it "sends" is in the admin's Sandbox outbox.
    sandbox = Integration.objects.filter(company=company, name=SANDBOX_NAME).first()
    if sandbox is None:
        sandbox = integration_services.integration_create(
            company_id=company.id, name=SANDBOX_NAME, provider="sandbox", config={"note": "seeded by seed_demo"}
        )
    # The demo also has a sandbox payment gateway (the same provider), so name the outbox explicitly.
    for channel in ("email", "sms"):
        services.routes_set(company_id=company.id, channel=channel, integration_ids=[sandbox.id])
