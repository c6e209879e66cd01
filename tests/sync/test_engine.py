"""Syncs against the loopback WooCommerce and Shopify stand-ins: pulls, pushes, increments, conflicts, failures."""

from datetime import timedelta
from decimal import Decimal

import pytest

from logs.models import IntegrationLog
from orders import services as order_services
from orders.models import Customer, Order, Product
from sync.models import SyncLink, SyncRun
from tests.sync.conftest import earlier, now

pytestmark = pytest.mark.django_db


def seed_shop(woo) -> None:
    woo.add_product(name="Chicken Shawarma Wrap", sku="SHW-CHK", price="22.00")
    woo.add_product(name="Falafel Plate", sku="FLF-PLT", price="18.50")
    woo.add_product(name="Mint Lemonade", sku="", price="9.00", modified=earlier(60 * 24))
    woo.add_customer(first="Layla", last="Haddad", email="layla@example.com", phone="050 123 4567")
    woo.add_customer(first="Omar", last="Saleh", email="omar@example.com", phone="+971 55 765 4321")
    woo.add_order()


def test_a_full_pull_creates_products_customers_and_orders_page_by_page(company, woo, woo_integration, run_sync):
    # given
    seed_shop(woo)

    # when
    run = run_sync(woo_integration, "full", "pull", batch_size=2)

    # then
    assert run.status == "completed", run.error
    assert run.counts["products"]["created"] == 3
    assert run.counts["customers"]["created"] == 2
    assert run.counts["orders"]["created"] == 1
    assert {p.sku: p.price for p in Product.objects.filter(company=company)} == {
        "SHW-CHK": Decimal("22.000"),
        "FLF-PLT": Decimal("18.500"),
        "woocommerce-1003": Decimal("9.000"),  # no SKU at the shop: keyed by its id
    }
    assert set(Customer.objects.filter(company=company).values_list("phone", flat=True)) == {
        "+971501234567",
        "+971557654321",
    }
    order = Order.objects.get(company=company)
    assert order.provider == "woocommerce" and order.external_order_id == str(woo.records["orders"].popitem()[0])
    pages = [r["query"]["page"] for r in woo.calls("GET", "products")]
    assert pages == ["1", "2"] and all(r["query"]["per_page"] == "2" for r in woo.calls("GET", "products"))
    assert SyncLink.objects.filter(integration=woo_integration).count() == 6


def test_pulled_products_are_logged_so_product_and_external_id_lookups_find_them(
    api, make_key, company, woo, woo_integration, run_sync
):
    # given
    remote = woo.add_product(name="Hummus", sku="HUM-1", price="12.00")

    # when
    run_sync(woo_integration, "products", "pull")

    # then
    product = Product.objects.get(company=company, sku="HUM-1")
    log = IntegrationLog.objects.get(company_id=company.id, product_id=product.id)
    assert log.operation == "import" and log.status == "success"
    assert log.external_product_id == str(remote["id"]) and log.external_sku == "HUM-1"
    assert log.integration_id == woo_integration.id
    summary = IntegrationLog.objects.get(company_id=company.id, operation="sync")
    assert "completed" in summary.message and summary.metadata["counts"]["products"]["created"] == 1
    headers = make_key(company, scopes=["logs:read"])
    by_product = api.get(f"/api/v1/logs/product/{product.id}", **headers).json()
    by_external = api.get(f"/api/v1/logs/external/woocommerce/{remote['id']}", **headers).json()
    assert [entry["operation"] for entry in by_product["logs"]] == ["import"]
    assert [entry["productId"] for entry in by_external["logs"]] == [product.id]


def test_a_second_pull_is_incremental_and_counts_unchanged_records_without_duplicating(
    company, woo, woo_integration, run_sync
):
    # given a first full pull
    seed_shop(woo)
    first = run_sync(woo_integration, "full", "pull")
    assert first.status == "completed", first.error
    woo.requests.clear()
    sku = woo.records["products"]["1001"]["sku"]
    woo.touch("products", 1001, name="Chicken Shawarma Wrap (large)")

    # when
    second = run_sync(woo_integration, "full", "pull")

    # then only records modified since the first run (minus the overlap) were asked for
    assert second.status == "completed", second.error
    query = woo.calls("GET", "products")[0]["query"]
    assert query["modified_after"] and query["dates_are_gmt"] == "true"
    assert second.counts["products"] == {
        "created": 0,
        "updated": 1,
        "unchanged": 1,  # the day-old lemonade is outside the window and not fetched at all
        "conflicts": 0,
        "failed": 0,
        "pushed": 0,
    }
    assert second.counts["customers"]["unchanged"] == 2 and second.counts["orders"]["unchanged"] == 1
    assert Product.objects.filter(company=company).count() == 3
    assert Customer.objects.filter(company=company).count() == 2
    assert Order.objects.filter(company=company).count() == 1
    assert Product.objects.get(company=company, sku=sku).name == "Chicken Shawarma Wrap (large)"


def test_force_compares_every_record_outside_the_incremental_window(woo, woo_integration, run_sync):
    # given
    seed_shop(woo)
    run_sync(woo_integration, "products", "pull")
    woo.requests.clear()

    # when
    run = run_sync(woo_integration, "products", "pull", force=True)

    # then
    assert "modified_after" not in woo.calls("GET", "products")[0]["query"]
    assert run.counts["products"]["unchanged"] == 3


def test_a_push_creates_remote_records_then_updates_them(company, woo, woo_integration, run_sync):
    # given
    wrap = order_services.product_upsert(company_id=company.id, sku="WRP-1", name="Wrap", price=Decimal("20"))
    order_services.customer_upsert(company_id=company.id, phone="+971501112233", name="Sara Ali", email="s@example.com")

    # when
    first = run_sync(woo_integration, "full", "push")

    # then
    assert first.status == "completed", first.error
    assert first.counts["products"]["created"] == 1 and first.counts["products"]["pushed"] == 1
    assert "orders" not in first.counts or first.counts["orders"]["created"] == 0
    [remote] = woo.records["products"].values()
    assert (remote["sku"], remote["name"], remote["regular_price"]) == ("WRP-1", "Wrap", "20.00")
    [customer] = woo.records["customers"].values()
    assert customer["first_name"] == "Sara" and customer["billing"]["phone"] == "+971501112233"
    assert IntegrationLog.objects.filter(operation="export", product_id=wrap.id, status="success").exists()

    # when our price changes and we push again
    order_services.product_upsert(company_id=company.id, sku="WRP-1", name="Wrap", price=Decimal("21.5"))
    second = run_sync(woo_integration, "products", "push")

    # then the remote record is updated in place
    assert second.counts["products"]["updated"] == 1 and second.counts["products"]["created"] == 0
    assert remote["id"] == int(woo.calls("PUT", "products")[0]["path"].rsplit("/", 1)[1])
    assert woo.records["products"][str(remote["id"])]["regular_price"] == "21.50"
    assert len(woo.records["products"]) == 1

    # when nothing changed, a third push sends nothing
    third = run_sync(woo_integration, "products", "push")
    assert third.counts["products"]["unchanged"] == 1 and len(woo.calls("PUT", "products")) == 1


def linked_product_changed_on_both_sides(company, woo, woo_integration, run_sync, *, remote_modified):
    """Link one product, then change its price here (12) and at the shop (15)."""
    remote = woo.add_product(name="Tabbouleh", sku="TAB-1", price="10.00")
    assert run_sync(woo_integration, "products", "bidirectional").status == "completed"
    order_services.product_upsert(company_id=company.id, sku="TAB-1", name="Tabbouleh", price=Decimal("12"))
    woo.touch("products", remote["id"], regular_price="15.00", price="15.00", modified=remote_modified)
    return remote


@pytest.mark.parametrize(
    ("strategy", "remote_offset", "ours", "theirs"),
    [
        ("provider_wins", timedelta(seconds=-30), "15.00", "15.00"),
        ("hub_wins", timedelta(minutes=1), "12.00", "12.00"),
        ("timestamp", timedelta(minutes=1), "15.00", "15.00"),  # the shop changed last
        ("timestamp", timedelta(seconds=-30), "12.00", "12.00"),  # we changed last
    ],
)
def test_a_record_changed_on_both_sides_is_a_conflict_resolved_by_the_strategy(
    company, woo, woo_integration, run_sync, strategy, remote_offset, ours, theirs
):
    # given
    remote = linked_product_changed_on_both_sides(
        company, woo, woo_integration, run_sync, remote_modified=now() + remote_offset
    )

    # when
    run = run_sync(woo_integration, "products", "bidirectional", conflict_strategy=strategy)

    # then
    assert run.status == "completed", run.error
    assert run.counts["products"]["conflicts"] == 1
    assert f"{Product.objects.get(company=company, sku='TAB-1').price:.2f}" == ours
    assert woo.records["products"][str(remote["id"])]["regular_price"] == theirs
    log = IntegrationLog.objects.filter(metadata__conflict=True).get()
    assert log.metadata["strategy"] == strategy

    # and the next sync finds both sides agreeing
    again = run_sync(woo_integration, "products", "bidirectional", conflict_strategy=strategy)
    assert again.counts["products"]["conflicts"] == 0 and again.counts["products"]["unchanged"] == 1


def test_a_pull_with_hub_wins_keeps_our_change_and_writes_nothing_remote(company, woo, woo_integration, run_sync):
    # given
    remote = linked_product_changed_on_both_sides(
        company, woo, woo_integration, run_sync, remote_modified=now() + timedelta(minutes=1)
    )

    # when
    run = run_sync(woo_integration, "products", "pull", conflict_strategy="hub_wins")

    # then
    assert run.counts["products"]["conflicts"] == 1 and run.counts["products"]["updated"] == 0
    assert Product.objects.get(company=company, sku="TAB-1").price == Decimal("12")
    assert woo.records["products"][str(remote["id"])]["regular_price"] == "15.00"
    assert not woo.calls("PUT", "products")


def test_refused_credentials_fail_the_run_with_the_providers_answer(company, woo, woo_integration, run_sync):
    # given
    seed_shop(woo)
    woo_integration.credentials = {**woo_integration.credentials, "consumerSecret": "cs_wrong"}
    woo_integration.save()

    # when
    run = run_sync(woo_integration, "full", "pull")

    # then
    assert run.status == "failed"
    assert "HTTP 401" in run.error and "cannot list resources" in run.error and "cs_wrong" not in run.error
    assert not Product.objects.filter(company=company).exists()
    failed = IntegrationLog.objects.get(company_id=company.id, operation="sync")
    assert failed.status == "error" and "401" in failed.message


def test_a_5xx_mid_run_fails_it_and_what_was_written_before_is_counted(company, woo, woo_integration, run_sync):
    # given three products over two pages, the second page failing
    seed_shop(woo)
    woo.failures[("GET", "products", 2)] = 503

    # when
    run = run_sync(woo_integration, "full", "pull", batch_size=2)

    # then
    assert run.status == "failed" and "HTTP 503" in run.error
    written = Product.objects.filter(company=company).count()
    assert written == 2 and run.counts["products"]["created"] == written
    assert SyncLink.objects.filter(integration=woo_integration, kind="product").count() == written
    assert not Customer.objects.filter(company=company).exists()  # the run stopped before customers

    # and a later run picks up where the data stands, no duplicates
    woo.failures.clear()
    again = run_sync(woo_integration, "full", "pull", batch_size=2)
    assert again.status == "completed"
    assert again.counts["products"]["created"] == 1 and Product.objects.filter(company=company).count() == 3


def test_a_customer_without_a_phone_is_counted_failed_and_the_rest_sync(company, woo, woo_integration, run_sync):
    # given
    woo.add_customer(first="No", last="Phone", email="nophone@example.com", phone="")
    woo.add_customer(first="Has", last="Phone", email="phone@example.com", phone="050 765 4321")

    # when
    run = run_sync(woo_integration, "customers", "pull")

    # then
    assert run.status == "completed"
    assert run.counts["customers"]["created"] == 1 and run.counts["customers"]["failed"] == 1
    error = IntegrationLog.objects.get(company_id=company.id, operation="import", status="error")
    assert "no phone" in error.message


def test_a_shopify_pull_follows_link_paging_and_a_push_creates_there(company, shopify, shopify_integration, run_sync):
    # given
    for n in range(5):
        shopify.add_product(title=f"Tee {n}", sku=f"TEE-{n}", price="25.00")
    shopify.add_customer(first="Mona", last="Khalil", email="mona@example.com", phone="+971501239876")
    shopify.add_order()
    order_services.product_upsert(company_id=company.id, sku="MUG-1", name="Mug", price=Decimal("12"))

    # when
    run = run_sync(shopify_integration, "full", "bidirectional", batch_size=2)

    # then
    assert run.status == "completed", run.error
    assert run.counts["products"]["created"] == 6 and run.counts["products"]["pushed"] == 1
    assert run.counts["products"]["unchanged"] == 0  # what the pull created is not counted again by the push
    assert run.counts["customers"]["created"] == 1 and run.counts["orders"]["created"] == 1
    product_pages = shopify.calls("GET", "products")
    assert len(product_pages) == 3 and "page_info" in product_pages[1]["query"]
    assert all(r["headers"]["X-Shopify-Access-Token"] for r in shopify.requests)
    mug = [p for p in shopify.records["products"].values() if p["title"] == "Mug"]
    assert mug and mug[0]["variants"][0]["sku"] == "MUG-1"
    assert Order.objects.get(company=company).provider == "shopify"
    assert SyncRun.objects.get(pk=run.pk).duration_ms is not None


def test_an_order_already_imported_by_webhook_is_not_duplicated_by_a_pull(company, woo, woo_integration, run_sync):
    # given the shop's order arrived earlier through the order.created webhook
    from integrations.inbound.registry import InboundMessage
    from orders import inbound

    remote = woo.add_order()
    message = InboundMessage(
        id=woo_integration.id,
        company_id=company.id,
        integration_id=woo_integration.id,
        provider="woocommerce",
        topic="order.created",
        provider_event_id="delivery-1",
        payload=remote,
        received_at=now(),
    )
    inbound.woocommerce_order(message)
    assert Order.objects.filter(company=company).count() == 1

    # when
    run = run_sync(woo_integration, "orders", "pull")

    # then
    assert run.counts["orders"]["created"] == 0 and run.counts["orders"]["unchanged"] == 1
    assert Order.objects.filter(company=company).count() == 1
    assert SyncLink.objects.get(kind="order").our_id == str(Order.objects.get(company=company).id)


def test_a_provider_failure_inside_a_page_rolls_the_page_back_with_its_counts(company, woo, woo_integration, run_sync):
    # given two linked products: the first renamed at the shop, the second changed on both sides
    first = woo.add_product(name="Wrap", sku="W-1", price="5.00")
    second = woo.add_product(name="Plate", sku="P-1", price="9.00")
    assert run_sync(woo_integration, "products", "bidirectional").status == "completed"
    woo.touch("products", first["id"], name="Wrap (new)")
    order_services.product_upsert(company_id=company.id, sku="P-1", name="Plate", price=Decimal("11"))
    woo.touch("products", second["id"], regular_price="12.00", price="12.00")
    woo.failures[("PUT", "products", 0)] = 500  # hub_wins sends ours, and the shop fails

    # when
    run = run_sync(woo_integration, "products", "bidirectional", conflict_strategy="hub_wins")

    # then the rename applied before the failure, in the same page, is undone and not counted
    assert run.status == "failed" and "HTTP 500" in run.error
    assert Product.objects.get(company=company, sku="W-1").name == "Wrap"
    assert run.counts["products"]["updated"] == 0 and run.counts["products"]["conflicts"] == 0
    assert not IntegrationLog.objects.filter(operation="import", metadata__syncId=str(run.id)).exists()

    # and the next run, the shop healthy again, applies both
    woo.failures.clear()
    again = run_sync(woo_integration, "products", "bidirectional", conflict_strategy="hub_wins")
    assert again.counts["products"]["updated"] == 2 and again.counts["products"]["conflicts"] == 1
    assert Product.objects.get(company=company, sku="W-1").name == "Wrap (new)"
    assert woo.records["products"][str(second["id"])]["regular_price"] == "11.00"


def test_a_provider_that_keeps_failing_is_skipped_by_later_runs_until_its_cool_down(
    settings, company, woo, woo_integration, run_sync
):
    # given a breaker that opens after two failures in a row, and a shop answering 503
    settings.CIRCUIT_FAILURE_THRESHOLD = 2
    settings.CIRCUIT_COOLDOWN_SECONDS = 300
    seed_shop(woo)
    woo.failures[("GET", "products", 1)] = 503
    for _ in range(2):
        assert "HTTP 503" in run_sync(woo_integration, "full", "pull").error
    calls_before = len(woo.requests)

    # when the next run starts
    run = run_sync(woo_integration, "full", "pull")

    # then it fails at once, naming the open circuit, and the shop saw no request
    assert run.status == "failed" and "circuit open" in run.error
    assert len(woo.requests) == calls_before
