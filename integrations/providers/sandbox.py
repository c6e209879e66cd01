"""The sandbox: a provider that accepts everything and keeps it, for the embedded demo and trials.

It is one provider of several capabilities (category "generic"): messaging attaches its
email/SMS/chat outbox from MessagingConfig.ready, and payments may attach a sandbox gateway
from its own app, each under this one key. Nothing leaves the hub.
"""

from collections.abc import Mapping
from typing import Any

from integrations.providers.base import CheckResult, ConfigField, Provider


def check(values: Mapping[str, Any]) -> CheckResult:
    return CheckResult("healthy", latency_ms=0)  # nothing to reach: it is always there


# Where this provider appears in lists (enums, error messages): see integrations/providers/__init__.py.
POSITION = 175

PROVIDER = Provider(
    key="sandbox",
    label="Sandbox (accepts everything, sends nothing)",
    category="generic",
    fields=(ConfigField("note", "Note", help="Free text; the sandbox needs no configuration."),),
    check=check,
    inbound=None,
    inbound_help="The sandbox sends nothing out, so nothing calls back; its outbox is in the admin.",
)
