"""Webhook events ride the order's transaction; concurrent status changes never both win."""

import threading

import pytest
from django.db import connection, transaction

from orders import services
from orders.models import Order, OrderEvent
from tests.orders.conftest import order_body
from webhooks.models import Delivery, Endpoint, Event


def _subscribe(company, events=("order.*",)) -> Endpoint:
    return Endpoint.objects.create(
        company=company, name="partner", url="https://partner.example/hook", events=list(events), secret="whsec_x"
    )


@pytest.mark.django_db
def test_creating_an_order_publishes_order_created_with_the_order(api, order_headers, company):
    # given
    endpoint = _subscribe(company)

    # when
    order_id = api.post("/api/v1/orders", order_body(), format="json", **order_headers).json()["id"]

    # then
    event = Event.objects.get(company=company)
    assert event.type == "order.created"
    assert event.data["orderId"] == order_id
    assert event.data["total"] == "34.00"
    assert event.data["items"][0]["lineTotal"] == "19.00"
    assert Delivery.objects.get(event=event).endpoint_id == endpoint.id


@pytest.mark.django_db
def test_a_status_change_publishes_status_changed_and_the_specific_event(company, make_order):
    # given
    order = make_order()

    # when
    services.order_status_change(
        company_id=company.id, order_id=order.id, to_status="confirmed", actor="user:1", reason="ok"
    )

    # then
    changed = Event.objects.filter(company=company, type__in=["order.status_changed", "order.confirmed"])
    assert sorted(e.type for e in changed) == ["order.confirmed", "order.status_changed"]
    for event in changed:
        assert event.data["previousStatus"] == "pending"
        assert event.data["status"] == "confirmed"
        assert event.data["reason"] == "ok"


@pytest.mark.django_db
def test_a_rejection_publishes_order_rejected(company, make_order):
    order = make_order()

    services.order_status_change(company_id=company.id, order_id=order.id, to_status="rejected", actor="t")

    assert Event.objects.filter(company=company, type="order.rejected").count() == 1


@pytest.mark.django_db
def test_a_rolled_back_change_publishes_nothing_and_leaves_no_history(company, make_order):
    # given
    order = make_order()
    _subscribe(company)
    events_before = Event.objects.count()

    # when a later step of the same transaction fails
    with pytest.raises(RuntimeError), transaction.atomic():
        services.order_status_change(company_id=company.id, order_id=order.id, to_status="confirmed", actor="t")
        raise RuntimeError("the caller's next step failed")

    # then
    order.refresh_from_db()
    assert order.status == "pending"
    assert Event.objects.count() == events_before
    assert Delivery.objects.count() == 0
    assert OrderEvent.objects.filter(order=order).count() == 1  # only "created"


@pytest.mark.django_db
def test_a_rejected_create_publishes_nothing(api, order_headers, company):
    _subscribe(company)

    response = api.post("/api/v1/orders", order_body(total="1.00"), format="json", **order_headers)

    assert response.status_code == 400
    assert Event.objects.count() == Delivery.objects.count() == 0


def _count_from_another_connection(model) -> int:
    """Count rows as another session sees them (committed data only)."""
    result: list[int] = []

    def run() -> None:
        try:
            result.append(model.objects.count())
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(10)
    return result[0]


@pytest.mark.django_db(transaction=True)
def test_events_become_visible_exactly_when_the_order_commits(company, make_order):
    # given
    _subscribe(company)
    order = make_order()
    committed_events = Event.objects.count()

    # when / then
    with transaction.atomic():
        services.order_status_change(company_id=company.id, order_id=order.id, to_status="confirmed", actor="t")
        assert Event.objects.count() == committed_events + 2  # this session sees its own writes
        assert _count_from_another_connection(Event) == committed_events  # nobody else does yet
    assert _count_from_another_connection(Event) == committed_events + 2


def _race(company_id, order_id, targets: list[str]) -> tuple[list[str], list[str]]:
    """Run one status change per target in its own thread (own connection), all released at once."""
    barrier = threading.Barrier(len(targets))
    won: list[str] = []
    lost: list[str] = []
    lock = threading.Lock()

    def change(target: str) -> None:
        try:
            barrier.wait(10)
            services.order_status_change(company_id=company_id, order_id=order_id, to_status=target, actor=target)
            with lock:
                won.append(target)
        except services.IllegalTransition:
            with lock:
                lost.append(target)
        finally:
            connection.close()

    threads = [threading.Thread(target=change, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return won, lost


@pytest.mark.django_db(transaction=True)
def test_concurrent_identical_status_updates_let_exactly_one_win(company, make_order):
    # given
    order = make_order()

    # when eight clients confirm the same pending order at once
    won, lost = _race(company.id, order.id, ["confirmed"] * 8)

    # then
    assert (len(won), len(lost)) == (1, 7)
    assert OrderEvent.objects.filter(order=order, kind="status_changed").count() == 1
    assert Event.objects.filter(type="order.confirmed").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_confirm_and_reject_never_both_win(company, make_order):
    # given: both are legal from pending, neither is legal after the other
    order = make_order()

    # when
    won, lost = _race(company.id, order.id, ["confirmed", "rejected"] * 4)

    # then
    assert len(won) == 1
    assert len(lost) == 7
    assert Order.objects.get(pk=order.id).status == won[0]
    history = list(OrderEvent.objects.filter(order=order, kind="status_changed").values_list("to_status", flat=True))
    assert history == won


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_orders_of_one_new_customer_all_succeed_with_one_customer_row(company):
    # given six orders of a customer the hub has never seen, released at once
    from decimal import Decimal

    from orders.models import Customer

    barrier = threading.Barrier(6)
    created: list[str] = []
    failed: list[BaseException] = []

    def create(n: int) -> None:
        try:
            barrier.wait(10)
            data = services.OrderInput(
                branch_id="b",
                order_type="pickup",
                items=[services.ItemInput(quantity=1, name="Tea", unit_price=Decimal("3.00"))],
                customer_name="New Person",
                customer_phone="+971509876543",
            )
            created.append(str(services.order_create(company_id=company.id, data=data, actor="t").order.id))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            failed.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    # then
    assert failed == []
    assert len(created) == 6
    customer = Customer.objects.get(company=company, phone="+971509876543")
    assert Order.objects.filter(customer=customer).count() == 6
