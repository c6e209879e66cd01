"""Careem (food delivery): API credentials; no public signing scheme, so deliveries use Standard Webhooks."""

from collections.abc import Mapping
from typing import Any

from integrations.providers.base import CheckResult, ConfigField, Provider, api_url, http_check
from integrations.providers.schemes import StandardWebhooks


def check(values: Mapping[str, Any]) -> CheckResult:
    return http_check(api_url(values, "health"), headers={"Authorization": f"Bearer {values.get('apiKey', '')}"})


# Where this provider appears in lists (enums, error messages): see integrations/providers/__init__.py.
POSITION = 150

PROVIDER = Provider(
    key="careem",
    label="Careem",
    category="delivery",
    fields=(
        ConfigField("baseUrl", "Partner API base URL", kind="url", required=True),
        ConfigField("apiKey", "API key", required=True, secret=True),
        ConfigField("branchId", "Branch id"),
        ConfigField("webhookSecret", "Webhook secret (whsec_…)", secret=True),
    ),
    check=check,
    inbound=StandardWebhooks(),
    inbound_help=(
        "Careem publishes no webhook signing scheme: give the partner team the receiver URL and this "
        "integration's whsec_ secret, and ask for Standard Webhooks signing (or relay through a signer)."
    ),
)
