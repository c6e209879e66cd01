"""rotate_encryption_keys re-encrypts credentials with the newest key, so old keys can be dropped."""

import io

from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from accounts.crypto import reset_keys_cache
from integrations.models import Integration


def _ciphertext(integration_id) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM integrations_integration WHERE id = %s", [integration_id])
        return cursor.fetchone()[0]


def test_rotation_lets_the_old_key_be_dropped(company, make_integration, settings):
    # given: credentials encrypted under the old key
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.CREDENTIALS_ENCRYPTION_KEYS = [old]
    reset_keys_cache()
    integration = make_integration(company, "stripe", {"secretKey": "sk_test_rotate_me"})
    before = _ciphertext(integration.id)
    try:
        # when: the new key is prepended and the command runs
        settings.CREDENTIALS_ENCRYPTION_KEYS = [new, old]
        reset_keys_cache()
        out = io.StringIO()
        call_command("rotate_encryption_keys", stdout=out)
        # then: only the new key is needed
        settings.CREDENTIALS_ENCRYPTION_KEYS = [new]
        reset_keys_cache()
        assert "Re-encrypted 1 value(s)" in out.getvalue()
        assert _ciphertext(integration.id) != before
        assert Integration.objects.get(id=integration.id).credentials["secretKey"] == "sk_test_rotate_me"
    finally:
        settings.CREDENTIALS_ENCRYPTION_KEYS = []
        reset_keys_cache()
