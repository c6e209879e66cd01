"""Secrets at rest: encrypted, decryptable after a key rotation, unreadable with a wrong key."""

import pytest
from cryptography.fernet import Fernet

from accounts import crypto


@pytest.fixture
def keys(settings):
    old = Fernet.generate_key().decode()
    settings.CREDENTIALS_ENCRYPTION_KEYS = [old]
    crypto.reset_keys_cache()
    yield settings, old
    crypto.reset_keys_cache()


def test_a_value_round_trips_and_the_ciphertext_hides_it(keys):
    token = crypto.encrypt_str("sk_live_abc")
    assert "sk_live_abc" not in token and token.startswith("enc:v1:")
    assert crypto.decrypt_str(token) == "sk_live_abc"


def test_old_ciphertext_still_decrypts_after_a_new_key_is_prepended(keys):
    settings, old = keys
    token = crypto.encrypt_str("secret")
    settings.CREDENTIALS_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), old]
    crypto.reset_keys_cache()
    assert crypto.decrypt_str(token) == "secret"
    rotated = crypto.rotate_str(token)
    settings.CREDENTIALS_ENCRYPTION_KEYS = settings.CREDENTIALS_ENCRYPTION_KEYS[:1]
    crypto.reset_keys_cache()
    assert crypto.decrypt_str(rotated) == "secret"
    with pytest.raises(ValueError):
        crypto.decrypt_str(token)
