#!/usr/bin/env python3
"""make fuzz: real objects in the demo company for schemathesis to address, printed as `export FUZZ_…=…` lines.

Run after `manage.py seed_demo` on the fuzz database; scripts/fuzz.sh evaluates the output and
schemathesis.toml passes each id to the operations whose path takes it, so id-taking operations
are exercised against rows that exist (a random UUID only ever reaches the 404 branch).
Operations that delete get a row of their own, so the others keep theirs for the whole run.
"""

import os
import shlex
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import transaction  # noqa: E402

from accounts import services as account_services  # noqa: E402
from accounts.models import Company  # noqa: E402
from accounts.scopes import ALL_SCOPES  # noqa: E402
from integrations import services as integration_services  # noqa: E402
from integrations.models import Integration  # noqa: E402
from logs.models import IntegrationLog  # noqa: E402
from messaging.models import Message, MessageTemplate  # noqa: E402
from orders.models import Order  # noqa: E402
from payments.models import Payment  # noqa: E402
from sync.models import SyncRun  # noqa: E402
from webhooks import signing  # noqa: E402
from webhooks.models import Delivery, Endpoint, Event  # noqa: E402

# A shop the sync operations can address; its host never resolves, so a started sync fails fast.
SHOP = {"baseUrl": "https://fuzz-shop.invalid", "consumerKey": "ck_fuzz", "consumerSecret": "cs_fuzz"}


def integration(company: Company, name: str, provider: str, config: dict) -> Integration:
    existing = Integration.objects.filter(company=company, name=name).first()
    return existing or integration_services.integration_create(
        company_id=company.id, name=name, provider=provider, config=config
    )


def endpoint(company: Company, name: str) -> Endpoint:
    # Created directly, as the demo's: an inactive endpoint is never called, so its URL is not checked.
    row, _ = Endpoint.objects.get_or_create(
        company=company,
        name=name,
        defaults={
            "url": "https://subscriber.invalid/hook",
            "events": ["fuzz.*"],
            "secret": signing.secret_generate(),
            "status": Endpoint.Status.INACTIVE,
        },
    )
    return row


def template(company: Company, name: str) -> MessageTemplate:
    row, _ = MessageTemplate.objects.get_or_create(
        company=company, name=name, channel="sms", defaults={"body_text": "Order {{ order_id }} is ready."}
    )
    return row


def seed() -> dict[str, str]:
    company = Company.objects.get(slug="demo")
    with transaction.atomic():
        key, _ = account_services.api_key_create(
            company=company, name="fuzz: operations on one key", scopes=list(ALL_SCOPES), rate_limit=1000
        )
        shop = integration(company, "Fuzz shop", "woocommerce", SHOP)
        doomed = integration(company, "Fuzz integration to delete", "woocommerce", SHOP)
        # The receiver's own: the integration operations may switch FUZZ_INTEGRATION_ID to inactive,
        # whose receiver then answers 404 to everything.
        receiver = integration(company, "Fuzz shop webhooks", "woocommerce", SHOP)
        hook = endpoint(company, "Fuzz subscriber")
        # A failed delivery to the (inactive) fuzz endpoint: what the delivery-retry operation acts on.
        event = Event.objects.create(company=company, type="order.created", data={"orderId": "fuzz-1"})
        delivery = Delivery.objects.create(
            company=company, endpoint=hook, event=event, event_type=event.type, status=Delivery.Status.FAILED
        )
        run = SyncRun.objects.filter(integration=shop).first() or SyncRun.objects.create(
            company=company,
            integration=shop,
            provider=shop.provider,
            sync_type=SyncRun.SyncType.PRODUCTS,
            direction=SyncRun.Direction.PULL,
            conflict_strategy=SyncRun.ConflictStrategy.TIMESTAMP,
            batch_size=50,
            triggered_by=SyncRun.Trigger.USER,
            status=SyncRun.Status.FAILED,
        )
        message = Message.objects.filter(company=company).first() or Message.objects.create(
            company=company, channel="sms", recipients=["+14155550123"], body_text="Order 1 is ready."
        )
        log = IntegrationLog.objects.filter(company=company, product_id__isnull=False).first()
        external = IntegrationLog.objects.filter(company=company).exclude(external_product_id="").first()
    ids = {
        "FUZZ_API_KEY_ID": key.id,
        "FUZZ_API_KEY_DELETE_ID": account_services.api_key_create(
            company=company, name="fuzz: the key to delete", scopes=["orders:read"]
        )[0].id,
        "FUZZ_INTEGRATION_ID": shop.id,
        "FUZZ_INTEGRATION_DELETE_ID": doomed.id,
        "FUZZ_INBOUND_INTEGRATION_ID": receiver.id,
        "FUZZ_WEBHOOK_ID": hook.id,
        "FUZZ_WEBHOOK_DELETE_ID": endpoint(company, "Fuzz subscriber to delete").id,
        "FUZZ_DELIVERY_ID": delivery.id,
        "FUZZ_SYNC_ID": run.id,
        "FUZZ_ORDER_ID": Order.objects.filter(company=company).order_by("created_at").first().id,
        "FUZZ_PAYMENT_ID": Payment.objects.filter(company=company).order_by("created_at").first().id,
        "FUZZ_MESSAGE_ID": message.id,
        "FUZZ_TEMPLATE_ID": template(company, "fuzz-ready").id,
        "FUZZ_TEMPLATE_DELETE_ID": template(company, "fuzz-to-delete").id,
        "FUZZ_PRODUCT_ID": log.product_id if log else 1,
        "FUZZ_EXTERNAL_TYPE": external.integration_type if external else "woocommerce",
        "FUZZ_EXTERNAL_ID": external.external_product_id if external else "1",
    }
    return {name: str(value) for name, value in ids.items()}


if __name__ == "__main__":
    for name, value in seed().items():
        print(f"export {name}={shlex.quote(value)}")
