"""What a storage backend offers the files app: a Storage from values, a connection check, download URLs."""

import time
from collections.abc import Mapping
from typing import Any

from django.core.files import File
from django.core.files.storage import Storage

from integrations.providers.base import CheckResult


class StorageFailure(Exception):
    """A storage call failed; `retryable` says whether the next storage of the route may take the file."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class Backend:
    """One storage provider. Subclasses build the Storage and classify their SDK's errors."""

    key = ""
    signs_urls = True  # False: the hub streams the file itself (local storage)

    def storage(self, values: Mapping[str, Any]) -> Storage:
        raise NotImplementedError

    def check(self, values: Mapping[str, Any]) -> CheckResult:
        """Head or list the bucket; healthy when it answers, unhealthy when it refuses, error otherwise."""
        started = time.monotonic()
        try:
            self.probe(self.storage(values))
        except Exception as exc:
            failure = self.classify(exc)
            status = "error" if failure.retryable else "unhealthy"
            return CheckResult(status, latency_ms=_ms(started), error=str(failure))
        return CheckResult("healthy", latency_ms=_ms(started))

    def probe(self, storage: Storage) -> None:
        """Make one cheap call that needs the bucket and the credentials."""
        raise NotImplementedError

    def put(self, storage: Storage, key: str, content: File, content_type: str) -> None:
        """Write the object under exactly `key` (keys are unique, so nothing is renamed)."""
        content.content_type = content_type  # read by the S3 and Azure backends of django-storages
        saved = storage.save(key, content)
        if saved != key:
            raise StorageFailure(f"The storage renamed the object to {saved!r}.", retryable=False)

    def delete(self, storage: Storage, key: str) -> None:
        storage.delete(key)

    def open(self, storage: Storage, key: str) -> File:
        return storage.open(key, "rb")

    def url(self, storage: Storage, key: str, seconds: int) -> str:
        """Return a URL that reads the object for `seconds`, signed by the provider."""
        raise NotImplementedError

    def classify(self, exc: BaseException) -> StorageFailure:
        """Return the failure to record: retryable for outages and timeouts, not for refusals."""
        from core import outbound

        if isinstance(exc, StorageFailure):
            return exc
        seam = _seam_error(exc)
        if seam is not None:
            return StorageFailure(str(seam), retryable=seam.kind != outbound.REJECTED)
        return StorageFailure(f"{type(exc).__name__}: {outbound.redact(str(exc), limit=300)}", retryable=True)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _seam_error(exc: BaseException) -> Any:
    """Return the core.outbound error an SDK wrapped (azure-core and google wrap the transport's errors)."""
    from core import outbound

    seen: set[int] = set()
    current: Any = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, outbound.OutboundError):
            return current
        seen.add(id(current))
        current = getattr(current, "inner_exception", None) or current.__cause__ or current.__context__
    return None
