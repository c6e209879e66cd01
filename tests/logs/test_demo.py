"""Demo logs belong to the demo integrations and name their own platform; creating an integration logs a create."""

import pytest

from integrations import demo as integrations_demo
from integrations import services as integration_services
from logs import demo
from logs.models import IntegrationLog

pytestmark = pytest.mark.django_db


def test_demo_logs_are_linked_to_the_demo_integration_of_their_platform(company):
    # given the demo logs seeded before the integrations, as seed_demo does
    demo.seed(company)
    integrations_demo.seed(company)
    # then every demo log of a platform names that platform's demo integration
    demo_logs = IntegrationLog.objects.filter(company=company, metadata__demo=True)
    assert not demo_logs.filter(integration_id__isnull=True).exists()
    for itype in ("woocommerce", "shopify", "amazon"):
        assert demo_logs.filter(integration_type=itype).values("integration_id").distinct().count() == 1


def test_demo_errors_of_shopify_and_amazon_never_mention_woocommerce(company):
    demo.seed(company)
    errors = IntegrationLog.objects.filter(company=company, status="error").exclude(integration_type="woocommerce")
    assert errors.exists()
    assert not errors.filter(message__icontains="woocommerce").exists()


def test_creating_an_integration_is_logged_as_a_create(company):
    integration = integration_services.integration_create(
        company_id=company.id, name="Sandbox", provider="sandbox", config={}
    )
    log = IntegrationLog.objects.get(integration_id=integration.id)
    assert (log.operation, log.status, log.message) == ("create", "success", "Integration 'Sandbox' created.")
