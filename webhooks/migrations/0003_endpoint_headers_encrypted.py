"""Encrypt endpoints' custom headers at rest: copy the clear JSON into an encrypted column, then swap."""

from django.db import migrations

import accounts.crypto


def encrypt_headers(apps, schema_editor) -> None:
    Endpoint = apps.get_model("webhooks", "Endpoint")
    # The historical model's encrypted field encrypts on save; only the two columns are touched.
    for endpoint in Endpoint.objects.only("id", "headers").iterator(chunk_size=500):
        endpoint.headers_encrypted = endpoint.headers or {}
        endpoint.save(update_fields=["headers_encrypted"])


def decrypt_headers(apps, schema_editor) -> None:
    Endpoint = apps.get_model("webhooks", "Endpoint")
    for endpoint in Endpoint.objects.only("id", "headers_encrypted").iterator(chunk_size=500):
        endpoint.headers = endpoint.headers_encrypted or {}
        endpoint.save(update_fields=["headers"])


class Migration(migrations.Migration):
    dependencies = [("webhooks", "0002_delivery_enqueued_at")]

    operations = [
        migrations.AddField(
            model_name="endpoint",
            name="headers_encrypted",
            field=accounts.crypto.EncryptedJSONField(blank=True, default=dict),
        ),
        migrations.RunPython(encrypt_headers, decrypt_headers, elidable=False),
        migrations.RemoveField(model_name="endpoint", name="headers"),
        migrations.RenameField(model_name="endpoint", old_name="headers_encrypted", new_name="headers"),
    ]
