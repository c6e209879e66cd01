"""Stored files (where each one lives, its checksum and metadata) and each company's storage route."""

import uuid

from django.db import models


class StoredFile(models.Model):
    """One uploaded object: its safe key, detected type, SHA-256 and the storage that holds it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="files")
    file_name = models.CharField(max_length=255)  # the normalised name the client gave
    file_key = models.CharField(max_length=512)  # company/category/yyyy/mm/<random>-<safe name>
    size = models.BigIntegerField()
    content_type = models.CharField(max_length=127)  # detected from the bytes
    sha256 = models.CharField(max_length=64)
    category = models.CharField(max_length=32)
    metadata = models.JSONField(default=dict, blank=True)
    # Where the object is: a provider key and its integration (null: the built-in local storage).
    provider = models.CharField(max_length=32)
    integration = models.ForeignKey(
        "integrations.Integration", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Set when the route's primary refused the upload and a fallback took it (cleared once migrated back).
    intended_integration = models.ForeignKey(
        "integrations.Integration", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    failover_reason = models.TextField(blank=True, default="")
    is_test = models.BooleanField(default=False)
    uploaded_by = models.CharField(max_length=64, blank=True, default="")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        indexes = [
            models.Index(fields=["company", "-uploaded_at"], name="file_company_uploaded"),
            models.Index(fields=["company", "sha256"], name="file_company_sha256"),
            models.Index(fields=["intended_integration"], name="file_intended_integration"),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.provider})"

    def is_on_fallback(self) -> bool:
        """Return True when the file waits to be moved to its route's primary storage."""
        return self.intended_integration_id is not None


class StorageRoute(models.Model):
    """A company's primary storage, its ordered fallbacks and its upload size limit."""

    company = models.OneToOneField("accounts.Company", on_delete=models.CASCADE, related_name="storage_route")
    primary = models.ForeignKey(
        "integrations.Integration", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Integration ids (strings), first tried first after the primary.
    fallbacks = models.JSONField(default=list, blank=True)
    max_file_bytes = models.BigIntegerField(null=True, blank=True)  # null: FILES_MAX_UPLOAD_BYTES
    reuse_duplicates = models.BooleanField(default=False)  # answer an identical earlier file instead of storing again
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["company_id"]

    def __str__(self) -> str:
        return f"storage route of {self.company_id}"
