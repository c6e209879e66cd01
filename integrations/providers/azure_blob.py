"""Azure Blob Storage: file storage with an account key or connection string; the check lists the container."""

from collections.abc import Mapping
from typing import Any

from integrations.providers import capability
from integrations.providers.base import CheckResult, ConfigField, Provider


def check(values: Mapping[str, Any]) -> CheckResult:
    # The SDK work lives in the files app (its storage_backend capability): this package imports no app.
    try:
        backend = capability("azure_blob", "storage_backend")
    except KeyError:
        return CheckResult(
            "error", error="No storage backend is attached to azure_blob (the files app is not installed)."
        )
    return backend.check(values)


# Where this provider appears in lists (enums, error messages): see integrations/providers/__init__.py.
POSITION = 166

PROVIDER = Provider(
    key="azure_blob",
    label="Azure Blob Storage",
    category="storage",
    fields=(
        ConfigField("container", "Container", required=True),
        ConfigField("accountName", "Account name", help="Required unless the connection string names it."),
        ConfigField("accountKey", "Account key", secret=True),
        ConfigField(
            "connectionString",
            "Connection string",
            secret=True,
            help="Instead of account name and key; its BlobEndpoint is checked by the outbound SSRF policy.",
        ),
        ConfigField(
            "endpointUrl",
            "Blob endpoint",
            kind="url",
            help="Empty for https://<account>.blob.core.windows.net; another endpoint (e.g. Azurite).",
        ),
    ),
    check=check,
    inbound=None,
    inbound_help="Blob Storage is file storage; it sends no webhooks to the hub.",
)
