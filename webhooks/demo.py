"""Demo data: one paused webhook endpoint for the demo company, ready to point at a real receiver."""

from accounts.models import Company
from webhooks import signing
from webhooks.models import Endpoint

DEMO_NAME = "Demo subscriber (paused)"


def seed(company: Company) -> None:
    """Create the demo endpoint once; it stays inactive so nothing is sent until someone enables it."""
    # Created directly rather than through endpoint_create: its local URL would fail the SSRF check
    # in the embedded mode, and it is never called while inactive.
    Endpoint.objects.get_or_create(
        company=company,
        name=DEMO_NAME,
        defaults={
            "url": "http://127.0.0.1:9999/webhooks",
            "description": "Change the URL to your receiver, then PATCH status=active.",
            "events": ["order.*", "payment.*"],
            "secret": signing.secret_generate(),
            "status": Endpoint.Status.INACTIVE,
            "disabled_reason": "Demo endpoint: point it at your receiver and enable it.",
        },
    )
