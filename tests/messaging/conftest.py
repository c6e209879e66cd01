"""Fixtures of the messaging tests: provider configurations for the stand-ins, a Twilio answering, a sender key."""

import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import requests

from integrations.models import Integration
from tests.support.http import StandIn
from tests.support.payloads import fixture_data
from tests.support.processes import free_port
from tests.support.providers import TWILIO_SID, sendgrid_config, smtp_config, twilio_config  # noqa: F401 (re-exported)


@pytest.fixture(autouse=True)
def _messaging_settings(settings) -> None:
    # Provider stand-ins listen on 127.0.0.1, which the SSRF guard refuses by default.
    settings.HUB_ALLOW_LOCAL_TARGETS = True
    settings.MESSAGING_PROVIDER_TIMEOUT_SECONDS = 1
    settings.INBOUND_INTEGRATION_CACHE_SECONDS = 0


@pytest.fixture
def twilio_ok(stand_in: StandIn) -> StandIn:
    """A Twilio stand-in answering Messages.json with 201 and Twilio's message resource."""
    stand_in.status, stand_in.body = 201, fixture_data("twilio", "message_created.json")
    return stand_in


@pytest.fixture
def sms_integration(company, make_integration, twilio_ok) -> Integration:
    return make_integration(company, "twilio", twilio_config(twilio_ok.url), name="Twilio")


@pytest.fixture
def sender_headers(company, make_key) -> dict[str, str]:
    return make_key(company, scopes=["messages:send"])


# --- stand-ins of the breadth providers (moto for SNS), the sandbox, and running the queue by hand ------------


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto's server mode (a real SNS API on loopback), or the one AWS_ENDPOINT_URL names."""
    import os

    import requests

    if os.environ.get("AWS_ENDPOINT_URL"):
        yield os.environ["AWS_ENDPOINT_URL"].rstrip("/")
        return
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"{url}/moto-api/data.json", timeout=1)
            break
        except requests.ConnectionError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("moto_server did not start")
            time.sleep(0.1)
    yield url
    server.terminate()
    server.wait(timeout=10)


def moto_sms(endpoint: str) -> list[dict[str, str]]:
    """The SMS moto's SNS backend recorded as published (its /moto-api/data.json model dump)."""

    data = requests.get(f"{endpoint}/moto-api/data.json", timeout=5).json()
    return data.get("sns", {}).get("SMS", [])


def sns_config(endpoint: str, **extra: str) -> dict[str, str]:
    return {
        "region": "us-east-1",
        "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
        "secretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "endpointUrl": endpoint,
        **extra,
    }


@pytest.fixture
def sandbox(company, make_integration) -> Integration:
    """The company's sandbox integration: accepts every channel, keeps what it 'sent'."""
    return make_integration(company, "sandbox", {}, name="Sandbox")


def deliver_all(company_id=None, *, rounds: int = 5) -> int:
    """Run what the worker would: every queued, due message of the company, batch by batch; returns how many ran."""
    from django.utils import timezone

    from messaging import services
    from messaging.models import Message

    done = 0
    for _ in range(rounds):
        qs = Message.objects.filter(status=Message.Status.QUEUED, next_attempt_at__lte=timezone.now())
        if company_id is not None:
            qs = qs.filter(company_id=company_id)
        ids = list(qs.order_by("created_at").values_list("id", flat=True))
        if not ids:
            break
        for start in range(0, len(ids), 200):
            services.messages_deliver_batch(message_ids=ids[start : start + 200])
        done += len(ids)
    return done
