"""Writes of files: upload with validation and failover, metadata edits, delete, download URLs, routes."""

import hashlib
import logging
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core import signing
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import transaction
from django.utils import timezone

from core.circuit import Circuit
from core.errors import ApplicationError, InvalidInput, NotFound, UpstreamError
from files import selectors, sniffing
from files.backends import backend, storage_for
from files.backends.base import StorageFailure
from files.backends.local import local_storage
from files.models import StorageRoute, StoredFile
from files.naming import object_key, safe_name
from files.selectors import StorageTarget
from integrations.models import Integration

logger = logging.getLogger(__name__)

DOWNLOAD_SALT = "files.download"


class UnsupportedType(ApplicationError):
    status = 415
    default_message = "The file's type is not accepted for this category."


@dataclass
class UploadResult:
    file: StoredFile
    reused: bool = False
    attempts: list[dict[str, Any]] = field(default_factory=list)


def storage_of(target: StorageTarget) -> Storage:
    """Return the Storage of a target (cached per integration version)."""
    if target.integration is None:
        return local_storage()
    integration = target.integration
    version = (str(integration.id), integration.updated_at.isoformat() if integration.updated_at else "")
    return storage_for(integration.provider, integration.values(), version=version)


def _category_or_400(category: str) -> str:
    known = sniffing.categories()
    if category not in known:
        raise InvalidInput(details={"category": f"Must be one of: {', '.join(known)}."})
    return category


def _head(content: File) -> bytes:
    content.seek(0)
    head = content.read(sniffing.SNIFF_BYTES)
    content.seek(0)
    return head


def _store(
    *, company_id: UUID, chain: list[StorageTarget], key: str, content: File, content_type: str
) -> tuple[StorageTarget, list[dict]]:
    """Write the object to the first storage of the chain that takes it; retryable failures fall over."""
    attempts: list[dict[str, Any]] = []
    for target in chain:
        circuit = Circuit(company_id, target.provider) if target.integration is not None else None
        if circuit is not None and not circuit.allow():
            attempts.append({"storage": target.label, "error": "Skipped: it failed repeatedly; in cool-down."})
            continue
        try:
            content.seek(0)
            backend(target.provider).put(storage_of(target), key, content, content_type)
        except Exception as exc:
            failure = exc if isinstance(exc, StorageFailure) else backend(target.provider).classify(exc)
            logger.warning("Upload to %s failed: %s", target.label, failure)
            attempts.append({"storage": target.label, "error": str(failure)})
            if not failure.retryable:
                raise UpstreamError(
                    f"{target.label} refused the file: {failure}", details={"attempts": attempts}
                ) from None
            if circuit is not None:
                circuit.record_failure()
            continue
        if circuit is not None:
            circuit.record_success()
        return target, attempts
    raise UpstreamError("No storage could take the file; try again later.", details={"attempts": attempts}, status=503)


def file_upload(
    *,
    company_id: UUID,
    content: File,
    file_name: str,
    category: str,
    metadata: dict[str, Any] | None = None,
    sha256: str | None = None,
    uploaded_by: str = "",
    is_test: bool = False,
) -> UploadResult:
    """Validate the bytes' type against the category, then store the file through the company's route.

    `content` is a file on disk (the upload handler streamed it there) or a small in-memory
    file; `sha256` is the digest the handler computed while streaming (computed here otherwise).
    """
    _category_or_400(category)
    name = safe_name(file_name)
    content_type = sniffing.detect(_head(content), name=name)
    if not sniffing.allowed(category, content_type):
        raise UnsupportedType(
            f"The file's bytes are {content_type}, which the {category} category does not accept.",
            details={"contentType": content_type, "allowed": sniffing.categories()[category]},
        )
    if sha256 is None:
        digest = hashlib.sha256()
        for chunk in content.chunks():
            digest.update(chunk)
        sha256 = digest.hexdigest()
    route = selectors.route_get(company_id=company_id)
    if route is not None and route.reuse_duplicates:
        existing = selectors.file_duplicate(company_id=company_id, sha256=sha256, category=category)
        if existing is not None:
            return UploadResult(existing, reused=True)
    now = timezone.now()
    key = object_key(company_id=company_id, category=category, name=name, now=now)
    chain = selectors.storage_chain(company_id=company_id, route=route)
    chain_primary = chain[0]
    target, attempts = _store(company_id=company_id, chain=chain, key=key, content=content, content_type=content_type)
    on_fallback = target != chain_primary
    stored = StoredFile.objects.create(
        company_id=company_id,
        file_name=name,
        file_key=key,
        size=content.size,
        content_type=content_type,
        sha256=sha256,
        category=category,
        metadata=metadata or {},
        provider=target.provider,
        integration=target.integration,
        intended_integration=chain_primary.integration if on_fallback else None,
        failover_reason="; ".join(f"{a['storage']}: {a['error']}" for a in attempts)[:4000],
        is_test=is_test,
        uploaded_by=uploaded_by[:64],
    )
    return UploadResult(stored, attempts=attempts)


def file_update(
    *, file: StoredFile, metadata: dict[str, Any] | None = None, file_name: str | None = None
) -> StoredFile:
    """Change a file's metadata (replaced whole) or its display name; the object is not touched."""
    if metadata is not None:
        file.metadata = metadata
    if file_name is not None:
        file.file_name = safe_name(file_name)
    file.save(update_fields=["metadata", "file_name", "updated_at"])
    return file


def file_delete(*, file: StoredFile) -> None:
    """Delete the object from its storage, then the row (a storage that cannot be reached keeps both)."""
    target = selectors.target_of(file)
    try:
        backend(target.provider).delete(storage_of(target), file.file_key)
    except Exception as exc:
        failure = exc if isinstance(exc, StorageFailure) else backend(target.provider).classify(exc)
        raise UpstreamError(f"{target.label} could not delete the file: {failure}") from None
    file.delete()


def file_download_url(*, file: StoredFile, local_url: str) -> tuple[str, datetime]:
    """Return a short-lived URL that reads the file, and when it expires.

    Cloud storages sign the URL themselves; for local files the hub signs a token for
    `local_url` (its streaming endpoint).
    """
    seconds = int(settings.FILES_DOWNLOAD_URL_SECONDS)
    expires_at = timezone.now() + timedelta(seconds=seconds)
    target = selectors.target_of(file)
    chosen = backend(target.provider)
    if not chosen.signs_urls:
        token = signing.TimestampSigner(salt=DOWNLOAD_SALT).sign(str(file.id))
        return f"{local_url}?token={token}", expires_at
    try:
        return chosen.url(storage_of(target), file.file_key, seconds), expires_at
    except Exception as exc:
        failure = exc if isinstance(exc, StorageFailure) else chosen.classify(exc)
        raise UpstreamError(f"{target.label} could not sign a download URL: {failure}") from None


def file_for_token(*, file_id: UUID | str, token: str) -> StoredFile:
    """Return the file a local download token was issued for, or raise NotFound (expired, forged, other file)."""
    try:
        signed_id = signing.TimestampSigner(salt=DOWNLOAD_SALT).unsign(
            token, max_age=settings.FILES_DOWNLOAD_URL_SECONDS
        )
    except signing.BadSignature:
        raise NotFound("The download link is invalid or has expired.")
    if signed_id != str(file_id):
        raise NotFound("The download link is invalid or has expired.")
    try:
        return StoredFile.objects.select_related("integration").get(id=file_id)
    except StoredFile.DoesNotExist:
        raise NotFound("File not found.")


def file_open(*, file: StoredFile) -> File:
    """Open the stored object for reading (local streaming, migrations)."""
    target = selectors.target_of(file)
    return backend(target.provider).open(storage_of(target), file.file_key)


def file_test_create(
    *, company_id: UUID, file_name: str, file_type: str, category: str, uploaded_by: str
) -> StoredFile:
    """Write a small generated file of the given type through the company's storage (source API 004 test)."""
    samples = {
        "pdf": (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "documents"),
        "txt": (b"Integration Hub test file.\n", "documents"),
        "csv": (b"id,name\n1,test\n", "spreadsheets"),
        "png": (
            bytes.fromhex(
                "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
            ),
            "images",
        ),
    }
    kind = (file_type or "txt").lower().lstrip(".").split("/")[-1]
    kind = {"plain": "txt", "text": "txt"}.get(kind, kind)
    if kind not in samples:
        raise InvalidInput(details={"fileType": f"Must be one of: {', '.join(samples)}."})
    data, default_category = samples[kind]
    name = file_name or f"hub-test.{kind}"
    if not name.lower().endswith(f".{kind}"):
        name = f"{name}.{kind}"
    result = file_upload(
        company_id=company_id,
        content=ContentFile(data, name=name),
        file_name=name,
        category=category or default_category,
        metadata={"test": True},
        uploaded_by=uploaded_by,
        is_test=True,
    )
    return result.file


@transaction.atomic
def route_set(
    *,
    company_id: UUID,
    primary: UUID | None,
    fallbacks: list[UUID],
    max_file_bytes: int | None = None,
    reuse_duplicates: bool | None = None,
) -> StorageRoute:
    """Replace the company's storage route; every id must be one of its storage integrations."""
    ids = ([primary] if primary else []) + list(fallbacks)
    if fallbacks and primary is None:
        raise InvalidInput(details={"primary": "A route with fallbacks needs a primary."})
    if len(set(ids)) != len(ids):
        raise InvalidInput(details={"fallbacks": "An integration appears twice."})
    known = set(
        Integration.objects.filter(
            company_id=company_id, id__in=ids, provider__in=selectors.storage_keys()
        ).values_list("id", flat=True)
    )
    unknown = [str(i) for i in ids if i not in known]
    if unknown:
        field_name = "primary" if primary is not None and str(primary) in unknown else "fallbacks"
        raise InvalidInput(details={field_name: f"Not this company's storage integrations: {', '.join(unknown)}."})
    ceiling = int(settings.FILES_MAX_UPLOAD_BYTES_CEILING)
    if max_file_bytes is not None and not 1 <= max_file_bytes <= ceiling:
        raise InvalidInput(details={"maxFileBytes": f"Must be between 1 and {ceiling}."})
    route, _ = StorageRoute.objects.select_for_update().get_or_create(company_id=company_id)
    route.primary_id = primary
    route.fallbacks = [str(i) for i in fallbacks]
    route.max_file_bytes = max_file_bytes
    if reuse_duplicates is not None:
        route.reuse_duplicates = reuse_duplicates
    route.save()
    return route


def file_migrate_to_primary(*, file_id: UUID) -> bool:
    """Copy a file that landed on a fallback to its route's primary, then delete the fallback copy.

    Returns True when moved. Idempotent: a file already moved (or gone) is left alone; the row
    is switched with a conditional update so two workers cannot both finish the move.
    """
    file = StoredFile.objects.select_related("integration", "intended_integration").filter(id=file_id).first()
    if file is None or file.intended_integration is None:
        return False
    primary = StorageTarget(file.intended_integration.provider, file.intended_integration)
    source = selectors.target_of(file)
    # Through a temporary file on disk: SDK reads are not all streams, and memory stays flat.
    with file_open(file=file) as source_content, tempfile.TemporaryFile() as spool:
        for chunk in source_content.chunks():
            spool.write(chunk)
        spool.seek(0)
        backend(primary.provider).put(
            storage_of(primary), file.file_key, File(spool, name=file.file_name), file.content_type
        )
    moved = StoredFile.objects.filter(
        id=file.id, integration=file.integration, intended_integration=primary.integration
    ).update(
        provider=primary.provider,
        integration=primary.integration,
        intended_integration=None,
        failover_reason="",
        updated_at=timezone.now(),
    )
    if moved != 1:
        return False
    try:
        backend(source.provider).delete(storage_of(source), file.file_key)
    except Exception:
        logger.warning("Could not delete the fallback copy of %s from %s", file.id, source.label)
    return True
