"""Amazon S3 and any S3-compatible store (MinIO, R2, moto): file storage; the check heads the bucket."""

from collections.abc import Mapping
from typing import Any

from integrations.providers import capability
from integrations.providers.base import CheckResult, ConfigField, Provider


def check(values: Mapping[str, Any]) -> CheckResult:
    # The SDK work lives in the files app (its storage_backend capability): this package imports no app.
    try:
        backend = capability("s3", "storage_backend")
    except KeyError:
        return CheckResult("error", error="No storage backend is attached to s3 (the files app is not installed).")
    return backend.check(values)


# Where this provider appears in lists (enums, error messages): see integrations/providers/__init__.py.
POSITION = 162

PROVIDER = Provider(
    key="s3",
    label="Amazon S3 (or S3-compatible)",
    category="storage",
    fields=(
        ConfigField("bucket", "Bucket", required=True),
        ConfigField("region", "Region", default="us-east-1"),
        ConfigField(
            "endpointUrl",
            "Endpoint URL",
            kind="url",
            help="Empty for AWS; the endpoint of an S3-compatible store (checked by the outbound SSRF policy).",
        ),
        ConfigField("accessKeyId", "Access key id", required=True),
        ConfigField("secretAccessKey", "Secret access key", required=True, secret=True),
        ConfigField("pathStyle", "Path-style addressing", kind="bool", default=False),
    ),
    check=check,
    inbound=None,
    inbound_help="S3 is file storage; it sends no webhooks to the hub.",
)
