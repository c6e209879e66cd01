"""Google Cloud Storage: file storage with a service-account key; the check lists the bucket."""

from collections.abc import Mapping
from typing import Any

from integrations.providers import capability
from integrations.providers.base import CheckResult, ConfigField, Provider


def check(values: Mapping[str, Any]) -> CheckResult:
    # The SDK work lives in the files app (its storage_backend capability): this package imports no app.
    try:
        backend = capability("gcs", "storage_backend")
    except KeyError:
        return CheckResult("error", error="No storage backend is attached to gcs (the files app is not installed).")
    return backend.check(values)


# Where this provider appears in lists (enums, error messages): see integrations/providers/__init__.py.
POSITION = 164

PROVIDER = Provider(
    key="gcs",
    label="Google Cloud Storage",
    category="storage",
    fields=(
        ConfigField("bucket", "Bucket", required=True),
        ConfigField(
            "serviceAccountJson",
            "Service-account key (JSON)",
            required=True,
            secret=True,
            help="The JSON key file of a service account with access to the bucket; it also signs download URLs.",
        ),
        ConfigField(
            "endpointUrl",
            "API endpoint",
            kind="url",
            help="Empty for Google; a compatible endpoint (e.g. an emulator), checked by the outbound SSRF policy.",
        ),
    ),
    check=check,
    inbound=None,
    inbound_help="Cloud Storage is file storage; it sends no webhooks to the hub.",
)
