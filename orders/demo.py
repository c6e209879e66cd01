"""Demo data for `manage.py seed_demo`: a small menu and a handful of orders in varied states."""

from decimal import Decimal

from accounts.models import Company
from orders import services
from orders.models import Order

MENU = [
    ("BRG-CLS", "Classic burger", "32.00"),
    ("BRG-CHK", "Crispy chicken burger", "29.00"),
    ("SD-FRIES", "Sweet potato fries", "14.50"),
    ("DRK-LMN", "Fresh lemon mint", "14.00"),
]

# (provider, external id, order type, path of statuses after pending, items as (sku, qty, modifiers))
ORDERS = [
    ("ubereats", "UE-DEMO-1001", "delivery", [], [("BRG-CLS", 2, ["extra-cheese"]), ("SD-FRIES", 1, [])]),
    ("deliveroo", "DR-DEMO-2001", "delivery", ["confirmed", "preparing"], [("BRG-CHK", 1, [])]),
    (
        "careem",
        "CR-DEMO-3001",
        "delivery",
        ["confirmed", "preparing", "ready", "out_for_delivery"],
        [("BRG-CLS", 1, [])],
    ),
    ("talabat", "TB-DEMO-4001", "pickup", ["confirmed", "preparing", "ready", "completed"], [("DRK-LMN", 3, [])]),
    ("api", "POS-DEMO-5001", "dine_in", ["confirmed"], [("BRG-CLS", 1, []), ("DRK-LMN", 1, [])]),
    ("ubereats", "UE-DEMO-1002", "delivery", ["cancelled"], [("SD-FRIES", 2, [])]),
    ("deliveroo", "DR-DEMO-2002", "delivery", ["rejected"], [("BRG-CHK", 2, [])]),
]


def seed(company: Company) -> None:
    """Create the demo menu and orders once (re-running changes nothing)."""
    for sku, name, price in MENU:
        services.product_upsert(company_id=company.id, sku=sku, name=name, price=Decimal(price), currency="AED")
    for provider, external_id, order_type, path, lines in ORDERS:
        if Order.objects.filter(company=company, provider=provider, external_order_id=external_id).exists():
            continue
        data = services.OrderInput(
            provider=provider,
            external_order_id=external_id,
            branch_id="downtown",
            order_type=order_type,
            items=[services.ItemInput(quantity=q, sku=sku, modifiers=list(mods)) for sku, q, mods in lines],
            customer_name="Demo Customer",
            customer_phone="+971501234567",
            delivery_address="Boulevard Plaza, Downtown Dubai" if order_type == "delivery" else "",
            currency="AED",
            delivery_fee=Decimal("7.00") if order_type == "delivery" else Decimal("0"),
        )
        order = services.order_create(company_id=company.id, data=data, actor="demo").order
        for status in path:
            services.order_status_change(company_id=company.id, order_id=order.id, to_status=status, actor="demo")
