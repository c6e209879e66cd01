"""Google Cloud Storage through django-storages' GoogleCloudStorage; the client's session is the seam's."""

import json
import threading
from collections.abc import Mapping
from datetime import timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage

from core import outbound
from files.backends.base import Backend, StorageFailure

SCOPES = ["https://www.googleapis.com/auth/devstorage.read_write"]


@cache
def _storage_class() -> type:
    # The SDK is imported on first use, not at start-up (see files/backends/s3.py).
    from google.cloud.storage import Client
    from storages.backends.gcloud import GoogleCloudStorage
    from storages.utils import clean_name

    from files.backends.transport import PinnedAuthorizedSession

    class HubGoogleCloudStorage(GoogleCloudStorage):
        """GoogleCloudStorage with the seam's session, the detected content type and no SDK retries.

        django-storages always passes the SDK's DEFAULT_RETRY (up to two minutes of retries); an
        upload that fails here should fall over to the route's next storage at once instead.
        """

        def __init__(self, *, endpoint: str | None, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.endpoint = endpoint
            self._local = threading.local()

        @property
        def client(self) -> Client:
            client = getattr(self._local, "client", None)
            if client is None:
                options = {"api_endpoint": self.endpoint} if self.endpoint else None
                client = Client(
                    project=self.project_id,
                    credentials=self.credentials,
                    _http=PinnedAuthorizedSession(self.credentials),
                    client_options=options,
                )
                self._local.client = client
            return client

        @property
        def bucket(self) -> Any:
            return self.client.bucket(self.bucket_name)

        def save_typed(self, name: str, content: File, content_type: str) -> None:
            blob = self.bucket.blob(self._normalize_name(clean_name(name)))
            content.seek(0)
            blob.upload_from_file(
                content,
                size=content.size,
                content_type=content_type,
                retry=None,
                timeout=settings.FILES_PROVIDER_TIMEOUT_SECONDS,
            )

    return HubGoogleCloudStorage


class GcsBackend(Backend):
    key = "gcs"

    def storage(self, values: Mapping[str, Any]) -> Storage:
        from google.oauth2 import service_account

        endpoint = str(values.get("endpointUrl") or "").rstrip("/") or None
        if endpoint:
            outbound.check_url(endpoint, resolve=False)
        try:
            info = json.loads(str(values["serviceAccountJson"]))
            credentials = service_account.Credentials.from_service_account_info(info, scopes=SCOPES)
        except (ValueError, KeyError, TypeError) as exc:
            raise StorageFailure(f"The service-account key is not usable: {type(exc).__name__}.", retryable=False)
        bucket = str(values["bucket"])
        return _storage_class()(
            endpoint=endpoint,
            bucket_name=bucket,
            credentials=credentials,
            project_id=info.get("project_id"),
            querystring_auth=True,
            expiration=timedelta(seconds=settings.FILES_DOWNLOAD_URL_SECONDS),
            # Signed URLs name the endpoint's bucket path when an endpoint is set (emulators, proxies).
            custom_endpoint=f"{endpoint}/{bucket}" if endpoint else None,
            file_overwrite=True,
        )

    def probe(self, storage: Storage) -> None:
        next(iter(storage.client.list_blobs(storage.bucket_name, max_results=1, timeout=10, retry=None)), None)

    def put(self, storage: Storage, key: str, content: File, content_type: str) -> None:
        storage.save_typed(key, content, content_type)

    def url(self, storage: Storage, key: str, seconds: int) -> str:
        return storage.url(key, parameters={"expiration": timedelta(seconds=seconds)})

    def classify(self, exc: BaseException) -> StorageFailure:
        from google.api_core import exceptions as google_errors

        if isinstance(exc, google_errors.GoogleAPICallError):
            status = int(exc.code or 0)
            return StorageFailure(
                f"Cloud Storage answered HTTP {status}.", retryable=status >= 500 or status in (408, 429)
            )
        return super().classify(exc)


BACKEND = GcsBackend()
