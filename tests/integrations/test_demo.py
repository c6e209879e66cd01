"""The demo data: a few integrations for the demo company, created once."""

from integrations import demo
from integrations.models import Integration


def test_seeding_twice_creates_the_demo_integrations_once(company):
    demo.seed(company)
    demo.seed(company)
    assert Integration.objects.filter(company=company).count() == len(demo.DEMO)
    assert set(Integration.objects.values_list("health_status", flat=True)) == {"unknown"}  # never checked yet
