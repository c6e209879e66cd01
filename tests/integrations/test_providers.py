"""The provider registry: one module per provider, each fully declared."""

import pytest

from integrations.configuration import config_masked, config_merge
from integrations.providers import all_providers
from integrations.providers.base import CATEGORIES
from logs.models import INTEGRATION_TYPES

EXPECTED = {
    "woocommerce": "commerce",
    "shopify": "commerce",
    "amazon": "commerce",
    "stripe": "payments",
    "paypal": "payments",
    "square": "payments",
    "authorizenet": "payments",
    "razorpay": "payments",
    "twilio": "messaging",
    "sendgrid": "messaging",
    "smtp": "messaging",
    "slack": "messaging",
    "ubereats": "delivery",
    "deliveroo": "delivery",
    "careem": "delivery",
    "talabat": "delivery",
    "s3": "storage",
    "gcs": "storage",
    "azure_blob": "storage",
    "local": "storage",
    "generic": "generic",
    "aws_sns": "messaging",
    "vonage": "messaging",
    "textlocal": "messaging",
    "gmail": "messaging",
    "sandbox": "generic",
    "kafka": "generic",
}
# Storage providers, Kafka, SNS and Gmail send no webhooks.
NO_INBOUND = {"amazon", "smtp", "s3", "gcs", "azure_blob", "local", "kafka", "aws_sns", "gmail"}


def test_every_provider_of_the_issue_is_declared_with_its_category():
    assert {key: p.category for key, p in all_providers().items()} == EXPECTED
    assert set(all_providers()) <= set(INTEGRATION_TYPES)


@pytest.mark.parametrize("provider", list(EXPECTED))
def test_each_provider_declares_fields_a_check_and_help(provider):
    spec = all_providers()[provider]
    assert spec.category in CATEGORIES
    assert spec.fields and callable(spec.check)
    assert spec.inbound_help
    assert (spec.inbound is None) == (provider in NO_INBOUND)


@pytest.mark.parametrize("provider", list(EXPECTED))
def test_no_secret_field_survives_masking(provider):
    # given: every field filled with a long, recognisable value
    spec = all_providers()[provider]
    values = {
        f.name: (
            587
            if f.kind == "int"
            else False
            if f.kind == "bool"
            else f"https://{f.name.lower()}.example.com/"
            if f.kind == "url"
            else "a@b.example"
            if f.kind == "email"
            else f"value-of-{f.name}-0123456789"
        )
        for f in spec.fields
    }
    plain, secrets = config_merge(provider=spec, incoming=values)
    # when
    shown = config_masked(config=plain, credentials=secrets)
    # then
    for name in spec.secret_fields:
        assert str(values[name]) not in str(shown)
        assert name not in plain
