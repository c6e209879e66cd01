"""Re-encrypt every encrypted column (EncryptedTextField / EncryptedJSONField) with the newest key.

Rotation: prepend a new key to CREDENTIALS_ENCRYPTION_KEYS (keep the old ones), deploy,
run this command, then drop the old keys. It covers the models of every installed app, not
only integrations', so no secret is left readable only by a key about to be dropped.
"""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from accounts.crypto import EncryptedJSONField, EncryptedTextField, rotate_str

BATCH = 500


class Command(BaseCommand):
    help = "Re-encrypt every encrypted column with the newest CREDENTIALS_ENCRYPTION_KEYS key."

    def handle(self, *args, **options) -> None:
        total = 0
        for model in apps.get_models():
            columns = [f.column for f in model._meta.fields if isinstance(f, EncryptedJSONField | EncryptedTextField)]
            for column in columns:
                count = self._rotate(model._meta.db_table, model._meta.pk.column, column)
                self.stdout.write(f"{model._meta.label}.{column}: {count}")
                total += count
        self.stdout.write(f"Re-encrypted {total} value(s) with the newest key.")

    def _rotate(self, table: str, pk: str, column: str) -> int:
        """Rotate one column in batches, reading ciphertext directly so nothing is decrypted to Python objects."""
        quote = connection.ops.quote_name
        done, last = 0, None
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                where = f"WHERE {quote(column)} IS NOT NULL" + (f" AND {quote(pk)} > %s" if last is not None else "")
                cursor.execute(
                    f"SELECT {quote(pk)}, {quote(column)} FROM {quote(table)} {where} "  # noqa: S608 - identifiers quoted
                    f"ORDER BY {quote(pk)} LIMIT {BATCH}",
                    [last] if last is not None else [],
                )
                rows = cursor.fetchall()
                for row_pk, value in rows:
                    cursor.execute(
                        f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE {quote(pk)} = %s",  # noqa: S608
                        [rotate_str(value), row_pk],
                    )
            done += len(rows)
            if len(rows) < BATCH:
                return done
            last = rows[-1][0]
