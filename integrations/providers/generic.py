"""Any other system: a base URL to check and Standard Webhooks for what it sends us."""

from collections.abc import Mapping
from typing import Any

from integrations.providers.base import CheckResult, ConfigField, Provider, http_check
from integrations.providers.schemes import StandardWebhooks


def check(values: Mapping[str, Any]) -> CheckResult:
    headers = {"Authorization": f"Bearer {values['apiKey']}"} if values.get("apiKey") else {}
    return http_check(str(values.get("healthUrl") or values["baseUrl"]), headers=headers)


# Where this provider appears in lists (enums, error messages): see integrations/providers/__init__.py.
POSITION = 170

PROVIDER = Provider(
    key="generic",
    label="Generic (Standard Webhooks)",
    category="generic",
    fields=(
        ConfigField("baseUrl", "Base URL", kind="url", required=True),
        ConfigField("healthUrl", "Health URL", kind="url", help="Checked instead of the base URL when set."),
        ConfigField("apiKey", "API key", secret=True),
        ConfigField("webhookSecret", "Webhook secret (whsec_…)", secret=True),
    ),
    check=check,
    inbound=StandardWebhooks(),
    inbound_help=(
        "Any sender that implements Standard Webhooks (Svix, standardwebhooks libraries): the receiver URL and "
        "this integration's whsec_ secret. The topic is the payload's `type`."
    ),
)
