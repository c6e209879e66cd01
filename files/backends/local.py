"""Local storage: a folder under FILES_LOCAL_ROOT (the embedded default); downloads are streamed by the hub."""

import re
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage

from files.backends.base import Backend, StorageFailure

_FOLDER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


def local_storage(folder: str = "default") -> FileSystemStorage:
    """Return the storage of a folder under FILES_LOCAL_ROOT (a folder name, never a path)."""
    if not _FOLDER.match(folder):
        raise StorageFailure("The folder must be a simple name (letters, digits, - and _).", retryable=False)
    root = Path(settings.FILES_LOCAL_ROOT) / folder
    return FileSystemStorage(location=root, file_permissions_mode=0o640, directory_permissions_mode=0o750)


class LocalBackend(Backend):
    key = "local"
    signs_urls = False

    def storage(self, values: Mapping[str, Any]) -> Storage:
        return local_storage(str(values.get("folder") or "default"))

    def probe(self, storage: Storage) -> None:
        name = f".check-{uuid.uuid4().hex}"
        storage.save(name, ContentFile(b"ok"))
        storage.delete(name)

    def url(self, storage: Storage, key: str, seconds: int) -> str:
        raise NotImplementedError("the hub streams local files itself")


BACKEND = LocalBackend()
