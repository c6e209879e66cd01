"""Demo data: the built-in templates copied into the company, so operators can edit and preview them."""

from messaging.defaults import DEFAULT_TEMPLATES
from messaging.models import MessageTemplate


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
