"""Writes for companies, memberships and API keys."""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.keys import api_key_cache_invalidate, api_key_display_prefix, api_key_generate, api_key_hash
from accounts.models import ApiKey, Company, Membership

User = get_user_model()


@transaction.atomic
def company_create(*, name: str, slug: str | None = None) -> Company:
    return Company.objects.create(name=name, slug=slug or slugify(name)[:80])


@transaction.atomic
def membership_create(*, user, company: Company, role: str = Membership.Role.MEMBER) -> Membership:
    return Membership.objects.create(user=user, company=company, role=role)


def _invalidate_on_commit(api_key: ApiKey) -> None:
    # Now, and again after commit: a request between the two could re-cache the old row.
    hashed = api_key.hashed_key
    api_key_cache_invalidate(hashed)
    transaction.on_commit(lambda: api_key_cache_invalidate(hashed))


@transaction.atomic
def api_key_create(
    *,
    company: Company | None = None,
    company_id=None,
    name: str,
    scopes: list[str],
    rate_limit: int | None = None,
    expires_at: datetime | None = None,
    created_by=None,
) -> tuple[ApiKey, str]:
    """Create a key and return it with its raw value (shown to the caller once, never stored)."""
    raw = api_key_generate()
    api_key = ApiKey.objects.create(
        company_id=company.pk if company is not None else company_id,
        name=name,
        key_prefix=api_key_display_prefix(raw),
        hashed_key=api_key_hash(raw),
        scopes=sorted(set(scopes)),
        rate_limit=rate_limit or settings.API_KEY_DEFAULT_RATE_LIMIT,
        expires_at=expires_at,
        created_by=created_by,
    )
    return api_key, raw


_UPDATABLE = {"name", "scopes", "rate_limit", "expires_at"}


@transaction.atomic
def api_key_update(*, api_key: ApiKey, **changes) -> ApiKey:
    """Change a key's name, scopes, rate limit or expiry; takes effect on the next request."""
    unknown = set(changes) - _UPDATABLE
    if unknown:
        raise ValueError(f"Cannot update {', '.join(sorted(unknown))}")
    for field, value in changes.items():
        setattr(api_key, field, sorted(set(value)) if field == "scopes" else value)
    api_key.save(update_fields=[*changes, "updated_at"])
    _invalidate_on_commit(api_key)
    return api_key


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    """Revoke a key (soft): it stays listed, and every request with it answers 401 at once."""
    if api_key.status != ApiKey.Status.REVOKED:
        api_key.status = ApiKey.Status.REVOKED
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["status", "revoked_at", "updated_at"])
    _invalidate_on_commit(api_key)
    return api_key


@transaction.atomic
def api_key_rotate(*, api_key: ApiKey, grace_hours: int | None = None, created_by=None) -> tuple[ApiKey, str]:
    """Issue a replacement key; the old one keeps working for the grace period, then expires."""
    grace = timedelta(hours=settings.API_KEY_ROTATION_GRACE_HOURS if grace_hours is None else grace_hours)
    now = timezone.now()
    new_key, raw = api_key_create(
        company_id=api_key.company_id,
        name=api_key.name,
        scopes=api_key.scopes,
        rate_limit=api_key.rate_limit,
        expires_at=api_key.expires_at if api_key.expires_at and api_key.expires_at > now else None,
        created_by=created_by,
    )
    grace_end = now + grace
    api_key.expires_at = min(api_key.expires_at, grace_end) if api_key.expires_at else grace_end
    api_key.rotated_at = now
    api_key.replaced_by = new_key
    api_key.save(update_fields=["expires_at", "rotated_at", "replaced_by", "updated_at"])
    _invalidate_on_commit(api_key)
    return new_key, raw
