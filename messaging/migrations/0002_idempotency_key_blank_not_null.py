"""Idempotency keys follow core.idempotency's storage convention: "" (not NULL) when a request carried none."""

from django.db import migrations, models


def null_to_blank(apps, schema_editor):
    apps.get_model("messaging", "Message").objects.filter(idempotency_key__isnull=True).update(idempotency_key="")


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_initial")]

    operations = [
        migrations.RemoveConstraint(model_name="message", name="uniq_message_company_idempotency_key"),
        migrations.RunPython(null_to_blank, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="message",
            name="idempotency_key",
            field=models.CharField(blank=True, default="", max_length=255),
        ),
        migrations.AddConstraint(
            model_name="message",
            constraint=models.UniqueConstraint(
                condition=~models.Q(idempotency_key=""),
                fields=("company", "idempotency_key"),
                name="uniq_message_company_idempotency_key",
            ),
        ),
    ]
