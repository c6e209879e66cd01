"""The sync models, moved from the orders app: created in the migration state only.

Their tables already exist (orders/migrations/0002_sync.py created them, and `db_table`
keeps their names), so a fresh database and an existing one both end with the same tables
and no row is copied or lost. orders/migrations/0003 then drops the models from the orders
app's state, again without touching the database.
"""

import uuid

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0001_initial"),
        ("integrations", "0002_alter_integration_provider"),
        ("orders", "0002_sync"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="SyncRun",
                    fields=[
                        ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ("provider", models.CharField(max_length=32)),
                        (
                            "sync_type",
                            models.CharField(
                                choices=[
                                    ("full", "Full"),
                                    ("products", "Products"),
                                    ("customers", "Customers"),
                                    ("orders", "Orders"),
                                ],
                                max_length=16,
                            ),
                        ),
                        (
                            "direction",
                            models.CharField(
                                choices=[("pull", "Pull"), ("push", "Push"), ("bidirectional", "Bidirectional")],
                                max_length=16,
                            ),
                        ),
                        (
                            "conflict_strategy",
                            models.CharField(
                                choices=[
                                    ("timestamp", "Timestamp"),
                                    ("hub_wins", "Hub Wins"),
                                    ("provider_wins", "Provider Wins"),
                                ],
                                max_length=16,
                            ),
                        ),
                        ("batch_size", models.PositiveIntegerField()),
                        (
                            "force",
                            models.BooleanField(
                                default=False, help_text="Ignore the incremental window: compare every record."
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("queued", "Queued"),
                                    ("running", "Running"),
                                    ("completed", "Completed"),
                                    ("failed", "Failed"),
                                ],
                                default="queued",
                                max_length=16,
                            ),
                        ),
                        ("counts", models.JSONField(blank=True, default=dict)),
                        ("started_at", models.DateTimeField(blank=True, null=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("duration_ms", models.PositiveIntegerField(blank=True, null=True)),
                        ("error", models.TextField(blank=True, default="")),
                        (
                            "triggered_by",
                            models.CharField(
                                choices=[("user", "User"), ("api_key", "Api Key"), ("schedule", "Schedule")],
                                max_length=16,
                            ),
                        ),
                        (
                            "triggered_by_id",
                            models.CharField(blank=True, default="", help_text="User id or API key id", max_length=64),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "company",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.company"
                            ),
                        ),
                        (
                            "integration",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="sync_runs",
                                to="integrations.integration",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "orders_syncrun",
                        "ordering": ["-created_at", "-id"],
                    },
                ),
                migrations.CreateModel(
                    name="SyncLink",
                    fields=[
                        ("id", models.BigAutoField(primary_key=True, serialize=False)),
                        (
                            "kind",
                            models.CharField(
                                choices=[("product", "Product"), ("customer", "Customer"), ("order", "Order")],
                                max_length=16,
                            ),
                        ),
                        ("our_id", models.CharField(help_text="Product id, customer or order UUID", max_length=64)),
                        ("external_id", models.CharField(max_length=100)),
                        ("external_modified_at", models.DateTimeField(blank=True, null=True)),
                        ("our_modified_at", models.DateTimeField(blank=True, null=True)),
                        ("content_hash", models.CharField(max_length=64)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "company",
                            models.ForeignKey(
                                db_index=False,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="accounts.company",
                            ),
                        ),
                        (
                            "integration",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="integrations.integration",
                            ),
                        ),
                        (
                            "last_run",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="links",
                                to="sync.syncrun",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "orders_synclink",
                        "ordering": ["integration", "kind", "id"],
                    },
                ),
                migrations.CreateModel(
                    name="SyncSchedule",
                    fields=[
                        ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        (
                            "interval_minutes",
                            models.PositiveIntegerField(help_text="syncIntervalMinutes: start a sync this often"),
                        ),
                        (
                            "sync_type",
                            models.CharField(
                                choices=[
                                    ("full", "Full"),
                                    ("products", "Products"),
                                    ("customers", "Customers"),
                                    ("orders", "Orders"),
                                ],
                                default="full",
                                max_length=16,
                            ),
                        ),
                        (
                            "direction",
                            models.CharField(
                                choices=[("pull", "Pull"), ("push", "Push"), ("bidirectional", "Bidirectional")],
                                default="pull",
                                max_length=16,
                            ),
                        ),
                        (
                            "conflict_strategy",
                            models.CharField(
                                choices=[
                                    ("timestamp", "Timestamp"),
                                    ("hub_wins", "Hub Wins"),
                                    ("provider_wins", "Provider Wins"),
                                ],
                                default="timestamp",
                                max_length=16,
                            ),
                        ),
                        ("is_active", models.BooleanField(default=True)),
                        ("next_run_at", models.DateTimeField(blank=True, help_text="Empty: due now", null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "company",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.company"
                            ),
                        ),
                        (
                            "integration",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="sync_schedule",
                                to="integrations.integration",
                            ),
                        ),
                        (
                            "last_run",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="sync.syncrun",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "orders_syncschedule",
                        "ordering": ["next_run_at", "id"],
                    },
                ),
                migrations.AddIndex(
                    model_name="syncrun",
                    index=models.Index(fields=["company", "-created_at"], name="syncrun_company_created"),
                ),
                migrations.AddIndex(
                    model_name="syncrun",
                    index=models.Index(
                        fields=["integration", "status", "-created_at"], name="syncrun_integration_status"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="syncrun",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("status__in", ["queued", "running"])),
                        fields=("integration",),
                        name="uniq_syncrun_active",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="synclink",
                    constraint=models.UniqueConstraint(
                        fields=("integration", "kind", "external_id"), name="uniq_synclink_external"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="synclink",
                    constraint=models.UniqueConstraint(
                        fields=("integration", "kind", "our_id"), name="uniq_synclink_ours"
                    ),
                ),
                migrations.AddIndex(
                    model_name="syncschedule",
                    index=models.Index(fields=["is_active", "next_run_at"], name="syncschedule_due"),
                ),
            ],
        ),
    ]
