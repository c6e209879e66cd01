"""The status machine: every legal and illegal transition for each order type in the pure table, and a
handful of them through the service and the database (applied, refused, the event written or not)."""

import itertools

import pytest

from orders import services
from orders import status as machine
from orders.models import Order, OrderEvent

S = machine.Status
ALL = list(S.values)

# Every order type moves through these; a delivery order then goes out and is delivered, an
# on-site one (pickup, dine-in) is completed once ready.
SHARED_LEGAL = {
    ("pending", "confirmed"),
    ("pending", "cancelled"),
    ("pending", "rejected"),
    ("confirmed", "preparing"),
    ("confirmed", "cancelled"),
    ("preparing", "ready"),
    ("preparing", "cancelled"),
    ("ready", "cancelled"),
}
DELIVERY_LEGAL = SHARED_LEGAL | {
    ("ready", "out_for_delivery"),
    ("out_for_delivery", "delivered"),
    ("delivered", "completed"),
}
ON_SITE_LEGAL = SHARED_LEGAL | {("ready", "completed")}
LEGAL = {"delivery": DELIVERY_LEGAL, "pickup": ON_SITE_LEGAL, "dine_in": ON_SITE_LEGAL}

# the shortest legal path from pending to each status, per order type
PATHS = {
    "delivery": ["pending", "confirmed", "preparing", "ready", "out_for_delivery", "delivered", "completed"],
    "pickup": ["pending", "confirmed", "preparing", "ready", "completed"],
    "dine_in": ["pending", "confirmed", "preparing", "ready", "completed"],
}


def _path_to(order_type: str, target: str) -> list[str] | None:
    path = PATHS[order_type]
    if target in path:
        return path[1 : path.index(target) + 1]
    if target in ("cancelled", "rejected"):
        return [target]
    return None  # unreachable for this type (out_for_delivery / delivered for on-site orders)


# Through the database: each kind of outcome once (legal first step, legal late step per type,
# skipping a step, a delivery-only status on an on-site order, leaving a final status).
DB_CASES = [
    ("delivery", "pending", "confirmed"),
    ("delivery", "out_for_delivery", "delivered"),
    ("pickup", "ready", "completed"),
    ("dine_in", "pending", "ready"),
    ("pickup", "ready", "out_for_delivery"),
    ("delivery", "completed", "cancelled"),
]


def test_the_pure_machine_matches_the_table():
    for order_type, legal in LEGAL.items():
        for a, b in itertools.product(ALL, ALL):
            assert machine.can_transition(a, b, order_type) is ((a, b) in legal), (order_type, a, b)


def test_the_allowed_next_statuses_match_the_table():
    for order_type, legal in LEGAL.items():
        for a in ALL:
            assert set(machine.allowed_next(a, order_type)) == {b for x, b in legal if x == a}, (order_type, a)


def test_every_status_of_each_type_is_reachable_from_pending_by_legal_steps():
    for order_type, legal in LEGAL.items():
        for target in ALL:
            path = _path_to(order_type, target)
            if path is None:
                assert all(target not in pair for pair in legal), (order_type, target)
                continue
            steps = list(zip(["pending", *path], path, strict=False))
            assert all(step in legal for step in steps), (order_type, target, steps)


@pytest.mark.django_db
@pytest.mark.parametrize(("order_type", "from_status", "to_status"), DB_CASES)
def test_a_transition_is_applied_or_refused_by_the_service(make_order, company, order_type, from_status, to_status):
    # given an order walked (legally) to from_status
    order = make_order(order_type=order_type)
    for step in [] if from_status == "pending" else _path_to(order_type, from_status):
        services.order_status_change(company_id=company.id, order_id=order.id, to_status=step, actor="test")
    events_before = OrderEvent.objects.filter(order=order).count()

    # when
    legal = (from_status, to_status) in LEGAL[order_type]
    if legal:
        services.order_status_change(company_id=company.id, order_id=order.id, to_status=to_status, actor="t")
    else:
        with pytest.raises(services.IllegalTransition) as refused:
            services.order_status_change(company_id=company.id, order_id=order.id, to_status=to_status, actor="t")

    # then
    order.refresh_from_db()
    if legal:
        assert order.status == to_status
        last = OrderEvent.objects.filter(order=order).last()
        assert (last.from_status, last.to_status, last.actor) == (from_status, to_status, "t")
    else:
        assert order.status == from_status
        assert OrderEvent.objects.filter(order=order).count() == events_before
        assert set(refused.value.allowed) == {b for a, b in LEGAL[order_type] if a == from_status}


@pytest.mark.django_db
def test_another_companys_order_cannot_be_changed(make_order, other_company):
    order = make_order()

    with pytest.raises(Order.DoesNotExist):
        services.order_status_change(company_id=other_company.id, order_id=order.id, to_status="confirmed", actor="x")
