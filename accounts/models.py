"""Companies (tenants), memberships with roles, API keys and their usage."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts import scopes


class Company(models.Model):
    """A tenant: every resource in the hub belongs to exactly one company."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "companies"

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person's role in one company."""

    class Role(models.TextChoices):
        OWNER = scopes.ROLE_OWNER, "Owner"
        ADMIN = scopes.ROLE_ADMIN, "Admin"
        MEMBER = scopes.ROLE_MEMBER, "Member"
        VIEWER = scopes.ROLE_VIEWER, "Viewer"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["company__name", "user__username"]
        constraints = [models.UniqueConstraint(fields=["user", "company"], name="uniq_membership_user_company")]

    def __str__(self) -> str:
        return f"{self.user} · {self.company} ({self.role})"


class ApiKey(models.Model):
    """A partner's key: stored as a SHA-256 hash with a visible prefix, scoped and rate-limited."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        REVOKED = "revoked", "Revoked"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=120)
    key_prefix = models.CharField(max_length=24, db_index=True)
    hashed_key = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    rate_limit = models.PositiveIntegerField(default=100, help_text="Requests per minute (10 to 1000).")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    rotated_at = models.DateTimeField(null=True, blank=True)
    replaced_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"
        indexes = [models.Index(fields=["company", "-created_at"], name="apikey_company_created")]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    def is_expired(self, now=None) -> bool:
        """Return True when the key has an expiry that has passed."""
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    def effective_status(self) -> str:
        """Return active, expired or revoked as a caller would experience the key now."""
        if self.status == self.Status.REVOKED:
            return "revoked"
        if self.is_expired():
            return "expired"
        return "active"


class ApiKeyUsage(models.Model):
    """Requests per key, day, endpoint and status class, upserted in batches by accounts.usage."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="usage")
    day = models.DateField()
    endpoint = models.CharField(max_length=200)
    status_class = models.PositiveSmallIntegerField(help_text="2, 3, 4 or 5 for 2xx … 5xx")
    count = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["-day", "endpoint"]
        verbose_name = "API key usage"
        verbose_name_plural = "API key usage"
        constraints = [
            models.UniqueConstraint(fields=["api_key", "day", "endpoint", "status_class"], name="uniq_apikey_usage")
        ]

    def __str__(self) -> str:
        return f"{self.api_key_id} {self.day} {self.endpoint} {self.status_class}xx={self.count}"


class RateLimitBucket(models.Model):
    """Embedded-mode rate-limit counters (Redis holds them in production)."""

    key = models.CharField(max_length=200)
    window = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window"], name="uniq_ratelimit_bucket")]

    def __str__(self) -> str:
        return f"{self.key}@{self.window}={self.count}"
