"""The test-support package itself: the stand-in, the waiting helper, the worker isolation and every factory."""

import pytest
import requests

from tests.support import factories
from tests.support.http import Answer, StandIn
from tests.support.isolation import redis_url_for_worker
from tests.support.waiting import wait_until


def test_the_stand_in_records_requests_and_serves_routes_before_the_default():
    with StandIn() as server:
        # given
        server.route("POST", r"/v1/charges\?.*", 201, {"id": "ch_1"})
        server.status, server.body = 404, {"error": "no route"}
        # when
        created = requests.post(f"{server.url}/v1/charges?expand=x", json={"amount": 5}, timeout=5)
        missing = requests.get(f"{server.url}/v1/other", headers={"X-Trace": "t-1"}, timeout=5)
        # then
        assert (created.status_code, created.json()) == (201, {"id": "ch_1"})
        assert (missing.status_code, missing.json()) == (404, {"error": "no route"})
        first, second = server.requests
        assert (first.method, first.route, first.query, first.json, first.n) == (
            "POST",
            "/v1/charges",
            {"expand": "x"},
            {"amount": 5},
            1,
        )
        assert second["headers"]["x-trace"] == "t-1" and second.n == 2


def test_a_responder_scripts_answers_from_the_request_count():
    with StandIn(lambda request: Answer(500, b"boom") if request.n == 1 else (200, {"ok": 1})) as server:
        assert requests.post(server.url, timeout=5).status_code == 500
        assert requests.post(server.url, timeout=5).json() == {"ok": 1}


def test_wait_until_returns_the_first_truthy_value_and_fails_at_the_deadline():
    values = iter([0, None, "ready"])
    assert wait_until(lambda: next(values), 5, interval=0) == "ready"
    with pytest.raises(AssertionError, match="never"):
        wait_until(lambda: False, 0.05, message="never")


def test_each_xdist_worker_gets_the_next_redis_database():
    assert redis_url_for_worker("redis://127.0.0.1:6379/6", 1) == "redis://127.0.0.1:6379/7"
    assert redis_url_for_worker("redis://127.0.0.1:6379", 0) == "redis://127.0.0.1:6379/0"
    with pytest.raises(RuntimeError, match="database 16"):
        redis_url_for_worker("redis://127.0.0.1:6379/15", 1)


FACTORIES = sorted(
    (
        cls
        for cls in vars(factories).values()
        if isinstance(cls, type) and cls.__name__.endswith("Factory") and cls.__module__ == factories.__name__
    ),
    key=lambda cls: cls.__name__,
)


@pytest.mark.django_db
@pytest.mark.parametrize("factory", FACTORIES, ids=lambda f: f.__name__)
def test_every_factory_saves_a_valid_row(factory):
    row = factory()
    assert type(row)._default_manager.filter(pk=row.pk).exists()
