"""S3 and S3-compatible stores through django-storages' S3Storage; every request goes through core.outbound."""

from collections.abc import Mapping
from functools import cache
from typing import Any

from django.conf import settings
from django.core.files.storage import Storage

from core import outbound
from files.backends.base import Backend, StorageFailure

# The SDK is imported on first use, not at start-up: every process (web, worker, manage.py)
# runs FilesConfig.ready, and most never touch a storage.


@cache
def _storage_class() -> type:
    from storages.backends.s3 import S3Storage

    from files.backends.transport import BotoSeam

    class HubS3Storage(S3Storage):
        """S3Storage whose client sends through the seam (registered per thread-local connection)."""

        @property
        def connection(self) -> Any:
            conn = super().connection
            client = conn.meta.client
            if not getattr(client, "_hub_seam", False):
                client.meta.events.register("before-send.s3", BotoSeam())
                client._hub_seam = True
            return conn

    return HubS3Storage


class S3Backend(Backend):
    key = "s3"

    def storage(self, values: Mapping[str, Any]) -> Storage:
        from boto3.s3.transfer import TransferConfig
        from botocore.config import Config

        endpoint = str(values.get("endpointUrl") or "") or None
        if endpoint:
            outbound.check_url(endpoint, resolve=False)  # user input: refused schemes/addresses fail early
        return _storage_class()(
            bucket_name=str(values["bucket"]),
            access_key=str(values["accessKeyId"]),
            secret_key=str(values["secretAccessKey"]),
            region_name=str(values.get("region") or "us-east-1"),
            endpoint_url=endpoint,
            addressing_style="path" if values.get("pathStyle") else None,
            signature_version="s3v4",
            querystring_auth=True,
            querystring_expire=settings.FILES_DOWNLOAD_URL_SECONDS,
            file_overwrite=True,  # keys are unique: no existence check before each write
            default_acl=None,
            # One part in memory at a time (no threads): a 100 MB upload costs one 8 MB buffer, not ten.
            transfer_config=TransferConfig(
                multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024, use_threads=False
            ),
            client_config=Config(
                # aws-chunked trailing checksums are not understood by every S3-compatible store.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
                retries={"total_max_attempts": 1},  # failover to the next storage instead
                connect_timeout=settings.OUTBOUND_CONNECT_TIMEOUT_SECONDS,
                read_timeout=settings.FILES_PROVIDER_TIMEOUT_SECONDS,
                s3={"addressing_style": "path" if values.get("pathStyle") else "auto"},
                signature_version="s3v4",
            ),
        )

    def probe(self, storage: Storage) -> None:
        storage.connection.meta.client.head_bucket(Bucket=storage.bucket_name)

    def url(self, storage: Storage, key: str, seconds: int) -> str:
        return storage.url(key, expire=seconds)

    def classify(self, exc: BaseException) -> StorageFailure:
        from botocore.exceptions import ClientError

        if isinstance(exc, ClientError):
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
            code = exc.response.get("Error", {}).get("Code", "")
            return StorageFailure(
                f"S3 answered HTTP {status} ({code}).", retryable=status >= 500 or status in (408, 429)
            )
        return super().classify(exc)  # the seam's errors (timeouts, refusals) and botocore's own


BACKEND = S3Backend()
