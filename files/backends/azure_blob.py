"""Azure Blob Storage through django-storages' AzureStorage; the SDK's transport is a seam session."""

from collections.abc import Mapping
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.storage import Storage

from core import outbound
from files.backends.base import Backend, StorageFailure


@cache
def _storage_class() -> type:
    # The SDK is imported on first use, not at start-up (see files/backends/s3.py).
    from azure.storage.blob import BlobServiceClient
    from storages.backends.azure_storage import AzureStorage

    from files.backends.transport import azure_transport

    class HubAzureStorage(AzureStorage):
        """AzureStorage that always builds its client from an account URL, with the seam's transport.

        django-storages builds a client from a connection string without its client options, so
        the endpoint is taken out of the connection string here and the client built the same way
        for both forms of credentials.
        """

        def __init__(self, *, account_url: str, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.account_url = account_url

        def _get_service_client(self) -> BlobServiceClient:
            return BlobServiceClient(
                self.account_url,
                credential={"account_name": self.account_name, "account_key": self.account_key},
                transport=azure_transport(),
                retry_total=0,  # failover to the next storage instead of the SDK's backoff
                connection_timeout=settings.OUTBOUND_CONNECT_TIMEOUT_SECONDS,
                read_timeout=settings.FILES_PROVIDER_TIMEOUT_SECONDS,
            )

    return HubAzureStorage


def _account(values: Mapping[str, Any]) -> tuple[str, str, str]:
    """Return (account URL, account name, account key) from the config or the connection string."""
    from azure.core.utils import parse_connection_string

    name = str(values.get("accountName") or "")
    key = str(values.get("accountKey") or "")
    url = str(values.get("endpointUrl") or "").rstrip("/")
    if values.get("connectionString"):
        try:
            parsed = parse_connection_string(str(values["connectionString"]), case_sensitive_keys=True)
        except ValueError:
            raise StorageFailure("The connection string is malformed.", retryable=False)
        name = name or parsed.get("AccountName", "")
        key = key or parsed.get("AccountKey", "")
        if not url and parsed.get("BlobEndpoint"):
            url = parsed["BlobEndpoint"].rstrip("/")
        elif not url and name:
            protocol = parsed.get("DefaultEndpointsProtocol", "https")
            url = f"{protocol}://{name}.blob.{parsed.get('EndpointSuffix', 'core.windows.net')}"
    if not name or not key:
        raise StorageFailure(
            "An account name and key (or a connection string with both) are required.", retryable=False
        )
    return url or f"https://{name}.blob.core.windows.net", name, key


class AzureBlobBackend(Backend):
    key = "azure_blob"

    def storage(self, values: Mapping[str, Any]) -> Storage:
        account_url, name, key = _account(values)
        outbound.check_url(account_url, resolve=False)
        parts = urlsplit(account_url)
        return _storage_class()(
            account_url=account_url,
            account_name=name,
            account_key=key,
            azure_container=str(values["container"]),
            azure_ssl=parts.scheme == "https",
            expiration_secs=settings.FILES_DOWNLOAD_URL_SECONDS,
            overwrite_files=True,
            upload_max_conn=1,  # one block in memory at a time
            timeout=settings.FILES_PROVIDER_TIMEOUT_SECONDS,
        )

    def probe(self, storage: Storage) -> None:
        storage.client.get_container_properties()

    def url(self, storage: Storage, key: str, seconds: int) -> str:
        return storage.url(key, expire=seconds)

    def classify(self, exc: BaseException) -> StorageFailure:
        from azure.core.exceptions import HttpResponseError

        if isinstance(exc, HttpResponseError) and exc.status_code:
            status = int(exc.status_code)
            return StorageFailure(
                f"Azure Blob answered HTTP {status} ({exc.error_code or 'error'}).",
                retryable=status >= 500 or status in (408, 429),
            )
        return super().classify(exc)


BACKEND = AzureBlobBackend()
