"""Local file system: a folder under var/ (the embedded default and the last fallback); the check writes to it."""

from collections.abc import Mapping
from typing import Any

from integrations.providers import capability
from integrations.providers.base import CheckResult, ConfigField, Provider


def check(values: Mapping[str, Any]) -> CheckResult:
    # The work lives in the files app (its storage_backend capability): this package imports no app.
    try:
        backend = capability("local", "storage_backend")
    except KeyError:
        return CheckResult("error", error="No storage backend is attached to local (the files app is not installed).")
    return backend.check(values)


# Where this provider appears in lists (enums, error messages): see integrations/providers/__init__.py.
POSITION = 168

PROVIDER = Provider(
    key="local",
    label="Local file system",
    category="storage",
    fields=(
        ConfigField(
            "folder",
            "Folder under var/files",
            default="default",
            help="A folder name under the hub's var/files directory; no absolute paths, no '..'.",
        ),
    ),
    check=check,
    inbound=None,
    inbound_help="Local storage is a folder on the hub's own disk; it sends no webhooks.",
)
