"""Sandbox: a provider that answers in-process, so the demo's payments (and messages) succeed with no network.

Category "generic" because several apps attach a capability to it under this one key: a payment
gateway from payments, an email/SMS/chat outbox (shown in the admin) from messaging. Nothing
leaves the hub; it is never a real outside system.
"""

from collections.abc import Mapping
from typing import Any

from integrations.providers.base import CheckResult, ConfigField, Provider
from integrations.providers.schemes import StandardWebhooks


def check(values: Mapping[str, Any]) -> CheckResult:
    # Nothing to reach: the sandbox lives inside the hub, so it is always up.
    return CheckResult("healthy", latency_ms=0)


# Last in lists: a development aid, not a platform people pick first.
POSITION = 900

PROVIDER = Provider(
    key="sandbox",
    label="Sandbox (no network, for demos and tests)",
    category="generic",
    fields=(
        ConfigField("webhookSecret", "Webhook secret (whsec_…)", secret=True),
        ConfigField("note", "Note", help="Free text; the sandbox needs no configuration."),
    ),
    check=check,
    inbound=StandardWebhooks(),
    inbound_help="Events posted to the receiver URL are verified with Standard Webhooks and this integration's secret.",
)
