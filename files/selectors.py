"""Reads of files: a company's files, its storage route and the chain of storages an upload tries."""

from dataclasses import dataclass
from uuid import UUID

from django.conf import settings
from django.db.models import QuerySet

from files.backends import storage_keys
from files.models import StorageRoute, StoredFile
from integrations.models import Integration

LOCAL = "local"


@dataclass(frozen=True)
class StorageTarget:
    """A storage an upload may go to: an integration, or the built-in local storage (integration None)."""

    provider: str
    integration: Integration | None

    @property
    def integration_id(self) -> UUID | None:
        return self.integration.id if self.integration is not None else None

    @property
    def label(self) -> str:
        return (
            f"{self.provider} ({self.integration.name})" if self.integration is not None else "built-in local storage"
        )


BUILTIN_LOCAL = StorageTarget(LOCAL, None)


def file_list(*, company_id: UUID) -> QuerySet[StoredFile]:
    """Return the company's files, newest first (the list's FilterSet narrows them)."""
    return (
        StoredFile.objects.filter(company_id=company_id).select_related("integration").order_by("-uploaded_at", "-id")
    )


def file_get(*, company_id: UUID, file_id: UUID | str) -> StoredFile:
    """Return one of the company's files (raises StoredFile.DoesNotExist, or ValidationError for a bad id)."""
    return StoredFile.objects.select_related("integration").get(company_id=company_id, id=file_id)


def file_duplicate(*, company_id: UUID, sha256: str, category: str) -> StoredFile | None:
    """Return the company's earliest file with the same bytes in the same category, if any."""
    return (
        StoredFile.objects.filter(company_id=company_id, sha256=sha256, category=category)
        .order_by("uploaded_at")
        .first()
    )


def storage_integrations(*, company_id: UUID) -> QuerySet[Integration]:
    """Return the company's active storage integrations, oldest first."""
    return Integration.objects.filter(
        company_id=company_id, provider__in=storage_keys(), status=Integration.Status.ACTIVE
    ).order_by("created_at", "id")


def route_get(*, company_id: UUID) -> StorageRoute | None:
    return StorageRoute.objects.select_related("primary").filter(company_id=company_id).first()


def upload_limit(*, company_id: UUID) -> int:
    """Return the company's upload limit in bytes."""
    route = route_get(company_id=company_id)
    if route is not None and route.max_file_bytes:
        return int(route.max_file_bytes)
    return int(settings.FILES_MAX_UPLOAD_BYTES)


def storage_chain(*, company_id: UUID, route: StorageRoute | None | bool = False) -> list[StorageTarget]:
    """Return the storages an upload tries, primary first.

    `route` saves a query when the caller has read it already. With a route: its primary, then
    its fallbacks, skipping inactive ones. Without one: the
    only active storage integration; the oldest when there are several; else local storage.
    """
    active = {i.id: i for i in storage_integrations(company_id=company_id)}
    if route is False:  # not looked up by the caller yet
        route = route_get(company_id=company_id)
    if route is not None and route.primary_id is not None:
        ids = [route.primary_id, *(UUID(str(i)) for i in route.fallbacks)]
        chain = [StorageTarget(active[i].provider, active[i]) for i in ids if i in active]
        if chain:
            return chain
    if active:
        first = next(iter(active.values()))
        return [StorageTarget(first.provider, first)]
    return [BUILTIN_LOCAL]


def target_of(file: StoredFile) -> StorageTarget:
    """Return where a file is stored."""
    return StorageTarget(file.provider, file.integration)


def files_waiting_for_primary(*, limit: int = 100) -> QuerySet[StoredFile]:
    """Return files that landed on a fallback, oldest first."""
    return StoredFile.objects.filter(intended_integration__isnull=False).order_by("uploaded_at")[:limit]
