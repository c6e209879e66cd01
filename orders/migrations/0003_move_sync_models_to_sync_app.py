"""The sync models moved to the sync app (sync/migrations/0001_initial.py): removed from this
app's migration state only; their tables stay, now owned by the sync app."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0002_sync"),
        ("sync", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name="syncrun",
                    name="company",
                ),
                migrations.RemoveField(
                    model_name="syncrun",
                    name="integration",
                ),
                migrations.RemoveField(
                    model_name="syncschedule",
                    name="last_run",
                ),
                migrations.RemoveField(
                    model_name="syncschedule",
                    name="company",
                ),
                migrations.RemoveField(
                    model_name="syncschedule",
                    name="integration",
                ),
                migrations.DeleteModel(
                    name="SyncLink",
                ),
                migrations.DeleteModel(
                    name="SyncRun",
                ),
                migrations.DeleteModel(
                    name="SyncSchedule",
                ),
            ],
        ),
    ]
