"""Gmail: SMTP (smtp.gmail.com:587) with XOAUTH2 from an OAuth refresh token, or with an app password."""

from collections.abc import Mapping
from typing import Any

from integrations.providers import smtp
from integrations.providers.base import CheckResult, ConfigField, Provider


def check(values: Mapping[str, Any]) -> CheckResult:
    # The SMTP greeting says the server is reachable; credentials are proven by the first send.
    return smtp.check({"host": values.get("host") or "smtp.gmail.com", "port": values.get("port") or 587})


# Where this provider appears in lists (enums, error messages): see integrations/providers/__init__.py.
POSITION = 112

PROVIDER = Provider(
    key="gmail",
    label="Gmail",
    category="messaging",
    fields=(
        ConfigField("username", "Gmail address", kind="email", required=True),
        ConfigField("fromEmail", "Sender address", kind="email", help="Default: the Gmail address."),
        ConfigField("clientId", "OAuth client id"),
        ConfigField("clientSecret", "OAuth client secret", secret=True),
        ConfigField("refreshToken", "OAuth refresh token", secret=True, help="Scope https://mail.google.com/."),
        ConfigField("appPassword", "App password", secret=True, help="Instead of OAuth, for accounts with 2FA."),
        ConfigField("tokenUri", "Token endpoint", kind="url", default="https://oauth2.googleapis.com/token"),
        ConfigField("host", "SMTP host", default="smtp.gmail.com"),
        ConfigField("port", "SMTP port", kind="int", default=587),
    ),
    check=check,
    inbound=None,
    inbound_help="Gmail sends mail only; it has no receiver URL.",
)
