"""Fixtures of the messaging tests: messaging integrations, loopback provider stand-ins, a real SMTP server."""

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from integrations import services as integration_services
from integrations.models import Integration
from tests.conftest import free_port

FIXTURES = Path(__file__).parent / "fixtures"
TWILIO_SID = "AC9b2b5d4e0f1a2b3c4d5e6f7a8b9c0d1e"


def fixture_data(provider: str, name: str) -> Any:
    return json.loads((FIXTURES / provider / name).read_text())


@pytest.fixture(autouse=True)
def _messaging_settings(settings) -> None:
    # Provider stand-ins listen on 127.0.0.1, which the SSRF guard refuses by default.
    settings.HUB_ALLOW_LOCAL_TARGETS = True
    settings.MESSAGING_PROVIDER_TIMEOUT_SECONDS = 1
    settings.INBOUND_INTEGRATION_CACHE_SECONDS = 0


class StandIn:
    """A loopback HTTP server answering with a programmable status, JSON body and headers; records requests."""

    def __init__(self) -> None:
        self.status = 200
        self.body: Any = {"ok": True}
        self.headers: dict[str, str] = {}
        self.delay = 0.0
        self.requests: list[dict[str, Any]] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                stand_in.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": self.rfile.read(length)}
                )
                if stand_in.delay:
                    time.sleep(stand_in.delay)
                payload = json.dumps(stand_in.body).encode() if stand_in.body is not None else b""
                try:
                    self.send_response(stand_in.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in stand_in.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    server = StandIn()
    yield server
    server.close()


@pytest.fixture
def second_stand_in() -> Iterator[StandIn]:
    server = StandIn()
    yield server
    server.close()


class SmtpRecorder:
    """aiosmtpd handler that keeps every accepted envelope, or answers with `reply` (e.g. "451 ...")."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []
        self.reply: str | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.reply:
            return self.reply
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[tuple[SmtpRecorder, int]]:
    """A real SMTP server on loopback (aiosmtpd)."""
    recorder = SmtpRecorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    yield recorder, port
    controller.stop()


@pytest.fixture
def make_integration(db) -> Callable[..., Integration]:
    def make(company, provider: str, config: dict, name: str | None = None) -> Integration:
        return integration_services.integration_create(
            company_id=company.id, name=name or f"{provider} {time.monotonic_ns()}", provider=provider, config=config
        )

    return make


def twilio_config(url: str, token: str = "12345678901234567890123456789012") -> dict[str, str]:
    return {"baseUrl": url, "accountSid": TWILIO_SID, "authToken": token, "fromNumber": "+15005550006"}


def sendgrid_config(url: str) -> dict[str, str]:
    return {"baseUrl": url, "apiKey": "SG.test-key-0123456789", "fromEmail": "noreply@shop.example.com"}


def smtp_config(port: int) -> dict[str, Any]:
    return {"host": "127.0.0.1", "port": port, "fromEmail": "alerts@shop.example.com"}


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
    import subprocess
    import sys

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
    import requests

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
