"""Amazon Selling Partner API: LWA credentials; notifications arrive via SQS/EventBridge, not HTTP."""

from collections.abc import Mapping
from typing import Any

from integrations.providers.base import CheckResult, ConfigField, Provider, api_url, http_check


def check(values: Mapping[str, Any]) -> CheckResult:
    # The SP-API answers 403 without a signed LWA token: any answer proves reachability,
    # but only 2xx counts as healthy.
    return http_check(api_url(values, "sellers/v1/marketplaceParticipations"))


# Where this provider appears in lists (enums, error messages): see integrations/providers/__init__.py.
POSITION = 30

PROVIDER = Provider(
    key="amazon",
    label="Amazon",
    category="commerce",
    fields=(
        ConfigField("baseUrl", "SP-API endpoint", kind="url", default="https://sellingpartnerapi-na.amazon.com"),
        ConfigField("sellerId", "Seller id", required=True),
        ConfigField("clientId", "LWA client id", required=True),
        ConfigField("clientSecret", "LWA client secret", required=True, secret=True),
        ConfigField("refreshToken", "LWA refresh token", required=True, secret=True),
    ),
    check=check,
    inbound=None,
    inbound_help="Amazon delivers notifications through SQS or EventBridge, so it has no receiver URL here.",
)
