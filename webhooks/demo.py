"""Demo data: one webhook endpoint for the demo company, delivering to the hub's own inbound receiver.

The receiver is the demo partner integration's (Standard Webhooks, the same whsec_ secret),
so a demo order's signed webhook is sent, verified and stored without any outside system:
it shows up as a delivery (webhooks) and as an inbound event (integrations) in the admin.
"""

import os

from django.conf import settings
from django.urls import reverse

from accounts.models import Company
from integrations.models import Integration
from webhooks import signing
from webhooks.models import Endpoint

DEMO_NAME = "Demo subscriber"
# Seeded after the other apps' demo data: only events from then on are delivered.
SEED_LAST = True
# The demo partner integration of integrations/demo.py, whose receiver this endpoint calls.
RECEIVER_INTEGRATION = "Demo partner (Standard Webhooks)"


def receiver_base_url() -> str:
    """Return where the hub itself listens: INTEGRATIONS_PUBLIC_BASE_URL, else HOST and PORT of `make run`."""
    if settings.INTEGRATIONS_PUBLIC_BASE_URL:
        return settings.INTEGRATIONS_PUBLIC_BASE_URL.rstrip("/")
    return f"http://{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"


def seed(company: Company) -> None:
    """Create (or re-point) the demo endpoint; active only where local targets are allowed.

    Created directly rather than through endpoint_create: the demo owns its URL, and with
    HUB_ALLOW_LOCAL_TARGETS off (production mode) it is left paused, so nothing is refused.
    """
    receiver = Integration.objects.filter(company=company, name=RECEIVER_INTEGRATION, provider="generic").first()
    if receiver is None or not settings.HUB_ALLOW_LOCAL_TARGETS:
        Endpoint.objects.get_or_create(
            company=company,
            name=DEMO_NAME,
            defaults={
                "url": "http://127.0.0.1:9999/webhooks",
                "description": "Point it at your receiver, then PATCH status=active.",
                "events": ["order.*", "payment.*"],
                "secret": signing.secret_generate(),
                "status": Endpoint.Status.INACTIVE,
                "disabled_reason": (
                    "Demo endpoint: a local URL is delivered only with HUB_ALLOW_LOCAL_TARGETS=1; "
                    "point it at your receiver and enable it."
                ),
            },
        )
        return
    url = receiver_base_url() + reverse("inbound-receiver", kwargs={"integration_id": receiver.id})
    Endpoint.objects.update_or_create(
        company=company,
        name=DEMO_NAME,
        defaults={
            "url": url,
            "description": "Delivers to the hub's own receiver of the demo partner integration (same secret).",
            "events": ["order.*", "payment.*"],
            "secret": receiver.values()["webhookSecret"],
            "status": Endpoint.Status.ACTIVE,
            "disabled_reason": "",
        },
    )
