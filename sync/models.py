"""Sync runs, the record links that pair our rows with a provider's, and recurring schedules.

The tables keep the names they had when these models lived in the orders app (`db_table`),
so moving them here (sync/migrations/0001_initial.py) moved no data.
"""

import uuid

from django.db import models
from django.db.models import Q

from accounts.models import Company


class SyncRun(models.Model):
    """One sync of an integration's products/customers/orders: what was asked, what happened, the counts."""

    class SyncType(models.TextChoices):
        FULL = "full"
        PRODUCTS = "products"
        CUSTOMERS = "customers"
        ORDERS = "orders"

    class Direction(models.TextChoices):
        PULL = "pull"
        PUSH = "push"
        BIDIRECTIONAL = "bidirectional"

    class ConflictStrategy(models.TextChoices):
        TIMESTAMP = "timestamp"  # the side modified last wins
        HUB_WINS = "hub_wins"
        PROVIDER_WINS = "provider_wins"

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        COMPLETED = "completed"
        FAILED = "failed"

    class Trigger(models.TextChoices):
        USER = "user"
        API_KEY = "api_key"
        SCHEDULE = "schedule"

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    integration = models.ForeignKey("integrations.Integration", on_delete=models.CASCADE, related_name="sync_runs")
    provider = models.CharField(max_length=32)
    sync_type = models.CharField(max_length=16, choices=SyncType.choices)
    direction = models.CharField(max_length=16, choices=Direction.choices)
    conflict_strategy = models.CharField(max_length=16, choices=ConflictStrategy.choices)
    batch_size = models.PositiveIntegerField()
    force = models.BooleanField(default=False, help_text="Ignore the incremental window: compare every record.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    # {"products": {"created": 0, "updated": 0, "unchanged": 0, "conflicts": 0, "failed": 0, "pushed": 0}, ...}
    counts = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    triggered_by = models.CharField(max_length=16, choices=Trigger.choices)
    triggered_by_id = models.CharField(max_length=64, blank=True, default="", help_text="User id or API key id")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "orders_syncrun"
        ordering = ["-created_at", "-id"]
        constraints = [
            # One sync per integration at a time, enforced by the database (two racing starts: one wins).
            models.UniqueConstraint(
                fields=["integration"], condition=Q(status__in=["queued", "running"]), name="uniq_syncrun_active"
            ),
        ]
        indexes = [
            models.Index(fields=["company", "-created_at"], name="syncrun_company_created"),
            models.Index(fields=["integration", "status", "-created_at"], name="syncrun_integration_status"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.sync_type} {self.direction} ({self.status})"

    def kinds(self) -> list[str]:
        """Return the record kinds this run moves, in dependency order."""
        if self.sync_type == self.SyncType.FULL:
            return ["products", "customers", "orders"]
        return [self.sync_type]

    def pulls(self) -> bool:
        return self.direction in (self.Direction.PULL, self.Direction.BIDIRECTIONAL)

    def pushes(self) -> bool:
        return self.direction in (self.Direction.PUSH, self.Direction.BIDIRECTIONAL)


class SyncLink(models.Model):
    """One of our records paired with a provider's record, and both sides' state at the last sync."""

    class Kind(models.TextChoices):
        PRODUCT = "product"
        CUSTOMER = "customer"
        ORDER = "order"

    id = models.BigAutoField(primary_key=True)
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", db_index=False)
    integration = models.ForeignKey("integrations.Integration", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    our_id = models.CharField(max_length=64, help_text="Product id, customer or order UUID")
    external_id = models.CharField(max_length=100)
    external_modified_at = models.DateTimeField(null=True, blank=True)
    our_modified_at = models.DateTimeField(null=True, blank=True)
    # sha256 of the fields both sides share, as they were when the two sides last agreed.
    content_hash = models.CharField(max_length=64)
    last_run = models.ForeignKey(SyncRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="links")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "orders_synclink"
        ordering = ["integration", "kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["integration", "kind", "external_id"], name="uniq_synclink_external"),
            models.UniqueConstraint(fields=["integration", "kind", "our_id"], name="uniq_synclink_ours"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.our_id} ↔ {self.external_id}"


class SyncSchedule(models.Model):
    """A recurring sync of one integration (an integration's config has no room for an interval)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    integration = models.OneToOneField(
        "integrations.Integration", on_delete=models.CASCADE, related_name="sync_schedule"
    )
    interval_minutes = models.PositiveIntegerField(help_text="syncIntervalMinutes: start a sync this often")
    sync_type = models.CharField(max_length=16, choices=SyncRun.SyncType.choices, default=SyncRun.SyncType.FULL)
    direction = models.CharField(max_length=16, choices=SyncRun.Direction.choices, default=SyncRun.Direction.PULL)
    conflict_strategy = models.CharField(
        max_length=16, choices=SyncRun.ConflictStrategy.choices, default=SyncRun.ConflictStrategy.TIMESTAMP
    )
    is_active = models.BooleanField(default=True)
    next_run_at = models.DateTimeField(null=True, blank=True, help_text="Empty: due now")
    last_run = models.ForeignKey(SyncRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "orders_syncschedule"
        ordering = ["next_run_at", "id"]
        indexes = [models.Index(fields=["is_active", "next_run_at"], name="syncschedule_due")]

    def __str__(self) -> str:
        return f"{self.integration} every {self.interval_minutes} min"
