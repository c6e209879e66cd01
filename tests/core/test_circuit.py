"""The circuit breaker: opens after consecutive failures, one half-open probe, shared with other worker processes."""

import os
import subprocess
import sys
import uuid

import pytest
from django.conf import settings

from core.circuit import CLOSED, HALF_OPEN, OPEN, Circuit
from messaging import services
from messaging.models import Message, MessageAttempt
from tests.support.http import StandIn
from tests.support.processes import ROOT, test_database_url
from tests.support.providers import sendgrid_config, smtp_config
from tests.support.waiting import wait_until


@pytest.fixture
def fast_circuit(settings) -> None:
    settings.CIRCUIT_FAILURE_THRESHOLD = 2
    settings.CIRCUIT_COOLDOWN_SECONDS = 2


@pytest.fixture
def circuit() -> Circuit:
    return Circuit(uuid.uuid4(), "sendgrid")


def test_it_opens_after_consecutive_failures_only(fast_circuit, circuit):
    circuit.record_failure()
    circuit.record_success()  # a success in between starts the count again
    assert circuit.record_failure() is False and circuit.state() == CLOSED
    assert circuit.record_failure() is True
    assert circuit.state() == OPEN and not circuit.allow()


def test_after_the_cool_down_exactly_one_probe_goes(fast_circuit, circuit):
    circuit.record_failure()
    circuit.record_failure()
    wait_until(lambda: circuit.state() == HALF_OPEN)
    assert [circuit.allow() for _ in range(3)] == [True, False, False]


def test_a_failed_probe_opens_it_again_and_a_successful_one_closes_it(fast_circuit, circuit):
    circuit.record_failure()
    circuit.record_failure()
    wait_until(lambda: circuit.state() == HALF_OPEN)
    assert circuit.allow()
    circuit.record_failure()
    assert circuit.state() == OPEN
    wait_until(lambda: circuit.state() == HALF_OPEN)
    assert circuit.allow()
    circuit.record_success()
    assert circuit.state() == CLOSED and circuit.allow()


def _deliver_in_another_process(message_id: uuid.UUID, *, cooldown: int | None = None) -> str:
    """Deliver the message in a separate Python process (a second worker) sharing the database and Redis.

    `cooldown` overrides the process's cool-down: its start-up alone can outlast the test's 2 s one.
    """
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "HUB_ALLOW_LOCAL_TARGETS": "1",
        "CIRCUIT_FAILURE_THRESHOLD": str(settings.CIRCUIT_FAILURE_THRESHOLD),
        "CIRCUIT_COOLDOWN_SECONDS": str(cooldown or settings.CIRCUIT_COOLDOWN_SECONDS),
        "MESSAGING_PROVIDER_TIMEOUT_SECONDS": "2",
    }
    code = f"from messaging.services import message_deliver; print(message_deliver(message_id='{message_id}').status)"
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def _email(company) -> Message:
    data = services.MessageInput(channel="email", to=["buyer@example.com"], subject="Hi", body_text="Hello")
    return services.message_create(company_id=company.id, data=data, enqueue=False).message


@pytest.mark.django_db(transaction=True)
def test_a_provider_tripped_open_is_skipped_by_a_second_worker_and_closes_after_its_cool_down(
    company,
    make_integration,
    stand_in: StandIn,
    smtp_server,
    settings,
    fast_circuit,
):
    # given: SendGrid first (its stand-in answering 503), SMTP second; the switch on for loopback stand-ins
    settings.HUB_ALLOW_LOCAL_TARGETS = True
    settings.MESSAGING_PROVIDER_TIMEOUT_SECONDS = 2
    recorder, port = smtp_server
    make_integration(company, "sendgrid", sendgrid_config(stand_in.url))
    make_integration(company, "smtp", smtp_config(port))
    stand_in.status, stand_in.body = 503, {"errors": [{"message": "unavailable"}]}
    circuit = Circuit(company.id, "sendgrid")
    # when: this process fails over twice, tripping SendGrid's circuit
    for _ in range(2):
        assert services.message_deliver(message_id=_email(company).id).status == "sent"
    assert circuit.state() == OPEN and len(stand_in.requests) == 2
    # and a second process delivers the next message while the circuit is open
    message = _email(company)
    assert _deliver_in_another_process(message.id, cooldown=600) == "sent"
    # then it skipped SendGrid without calling it and sent through SMTP
    assert len(stand_in.requests) == 2
    outcomes = list(MessageAttempt.objects.filter(message=message).order_by("id").values_list("provider", "outcome"))
    assert outcomes == [("sendgrid", "retryable_error"), ("smtp", "sent")]
    assert "Skipped" in MessageAttempt.objects.filter(message=message, provider="sendgrid").get().error
    # when: the cool-down passes and SendGrid recovers
    wait_until(lambda: circuit.state() == HALF_OPEN)
    stand_in.status, stand_in.body, stand_in.headers = 202, None, {"X-Message-Id": "sg-123"}
    message = _email(company)
    assert _deliver_in_another_process(message.id) == "sent"
    # then the second process's probe went to SendGrid, and the circuit is closed for everyone
    assert len(stand_in.requests) == 3
    assert Message.objects.get(id=message.id).provider == "sendgrid"
    assert circuit.state() == CLOSED
