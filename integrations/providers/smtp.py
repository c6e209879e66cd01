"""SMTP: a mail server; the check connects (through core.outbound) and expects the 220 greeting."""

import time
from collections.abc import Mapping
from typing import Any

from django.conf import settings

from core import outbound
from integrations.providers.base import CheckResult, ConfigField, Provider


def check(values: Mapping[str, Any]) -> CheckResult:
    started = time.monotonic()
    try:
        greeting = outbound.tcp_greeting(
            str(values["host"]), int(values.get("port") or 587), timeout=settings.INTEGRATIONS_HTTP_TIMEOUT_SECONDS
        )
    except outbound.OutboundError as exc:
        return CheckResult("error", latency_ms=int((time.monotonic() - started) * 1000), error=str(exc))
    latency = int((time.monotonic() - started) * 1000)
    if greeting.startswith(b"220"):
        return CheckResult("healthy", latency_ms=latency)
    return CheckResult("unhealthy", latency_ms=latency, error="The server did not greet with 220.")


# Where this provider appears in lists (enums, error messages): see integrations/providers/__init__.py.
POSITION = 110

PROVIDER = Provider(
    key="smtp",
    label="SMTP",
    category="messaging",
    fields=(
        ConfigField("host", "Host", required=True),
        ConfigField("port", "Port", kind="int", default=587),
        ConfigField("username", "Username"),
        ConfigField("password", "Password", secret=True),
        ConfigField("fromEmail", "Sender address", kind="email"),
    ),
    check=check,
    inbound=None,
    inbound_help="SMTP sends mail only; it has no receiver URL.",
)
