"""Writes for companies, memberships and API keys."""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.keys import api_key_cache_invalidate, api_key_display_prefix, api_key_generate, api_key_hash
from accounts.models import ApiKey, Company, Membership
from core.errors import Conflict

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
    if api_key.rotated_at is not None and "expires_at" in changes:
        # A rotated key lives only through its grace; moving the end later (or removing it)
        # would revive a key its owner replaced. Ending the grace early is fine.
        new_end = changes["expires_at"]
        if new_end is None or (api_key.expires_at is not None and new_end > api_key.expires_at):
            raise Conflict(
                "This key was rotated: its expiry can only be brought forward, never extended.",
                details={"expiresAt": "A rotated key cannot be extended; use its replacement."},
            )
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
    if api_key.rotated_at is not None:
        # Rotating again during the grace would issue a second live replacement of one key.
        raise Conflict("This key has already been rotated; rotate its replacement instead.")
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


def company_api_keys_invalidate(*, company_id) -> None:
    """Drop the cached data of all of a company's keys, so a change to the company bites at once."""
    for hashed in ApiKey.objects.filter(company_id=company_id).values_list("hashed_key", flat=True):
        api_key_cache_invalidate(hashed)


def user_refresh_tokens_revoke(*, user_id: int) -> int:
    """Blacklist every unexpired refresh token of the user (simplejwt's blacklist); return how many."""
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

    outstanding = OutstandingToken.objects.filter(
        user_id=user_id, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
    )
    created = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in outstanding], ignore_conflicts=True
    )
    return len(created)
