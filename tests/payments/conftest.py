"""Fixtures of the payments tests: a loopback gateway stand-in, gateway integrations, keys, payments."""

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from integrations import services as integration_services
from integrations.models import Integration
from payments.models import Payment

FIXTURES = Path(__file__).parent / "fixtures"

CREDENTIALS: dict[str, dict[str, str]] = {
    "stripe": {"secretKey": "sk_test_51Hub0123456789", "webhookSecret": "whsec_test_stripe_0123456789abcdef"},
    "paypal": {
        "clientId": "AbPayPalClient",
        "clientSecret": "EPayPalSecret-123",
        "webhookId": "8PT597110X687430LKGECATA",
    },
    "square": {"accessToken": "EAAAsquare-token-123", "locationId": "S8GWD5R9QB376", "signatureKey": "sq-sig"},
    "authorizenet": {"apiLoginId": "5KP3u95bQpv", "transactionKey": "346HZ32z3fP4hTG2", "signatureKey": "AB" * 64},
    "razorpay": {"keyId": "rzp_test_1DP5mmOlF5G5ag", "keySecret": "thisissupersecret", "webhookSecret": "rzp-hook"},
}


def fixture_data(provider: str, name: str) -> Any:
    return json.loads((FIXTURES / provider / name).read_text())


def fixture_bytes(provider: str, name: str) -> bytes:
    return json.dumps(fixture_data(provider, name), separators=(",", ":")).encode()


class GatewayStandIn:
    """A loopback HTTP server answering routes in a gateway's documented shapes, recording every request."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Callable[[dict[str, Any]], tuple[int, Any]], float]] = []
        self.requests: list[dict[str, Any]] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                record = {
                    "method": self.command,
                    "path": self.path,
                    "headers": dict(self.headers),
                    "body": self.rfile.read(length) if length else b"",
                }
                stand_in.requests.append(record)
                status, body, delay = 404, {"error": f"no route for {self.command} {self.path}"}, 0.0
                for method, pattern, answer, route_delay in stand_in.routes:
                    if method == self.command and pattern.fullmatch(self.path):
                        (status, body), delay = answer(record), route_delay
                        break
                if delay:
                    time.sleep(delay)
                payload = body if isinstance(body, bytes) else json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up (a timeout test)

            do_GET = do_POST

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def route(self, method: str, path: str, status: int = 200, body: Any = None, *, delay: float = 0.0) -> None:
        """Answer METHOD path (a regex over path and query) with status and body (a callable gets the request)."""
        answer = body if callable(body) else (lambda record, s=status, b=body: (s, b))
        self.routes.insert(0, (method, re.compile(path), answer, delay))

    def json_body(self, index: int = -1) -> Any:
        return json.loads(self.requests[index]["body"].decode("utf-8"))

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(autouse=True)
def _loopback_allowed(settings) -> None:
    # Gateway stand-ins listen on 127.0.0.1, which the SSRF guard refuses by default.
    settings.HUB_ALLOW_LOCAL_TARGETS = True
    settings.PAYMENTS_HTTP_TIMEOUT_SECONDS = 1
    settings.INBOUND_INTEGRATION_CACHE_SECONDS = 0


@pytest.fixture
def gateway() -> Iterator[GatewayStandIn]:
    server = GatewayStandIn()
    yield server
    server.close()


@pytest.fixture
def make_gateway_integration(db) -> Callable[..., Integration]:
    def make(company, provider: str, base_url: str, name: str | None = None, **extra: str) -> Integration:
        return integration_services.integration_create(
            company_id=company.id,
            name=name or f"{provider} gateway",
            provider=provider,
            config={"baseUrl": base_url, **CREDENTIALS[provider], **extra},
        )

    return make


@pytest.fixture
def pay_headers(make_key, company) -> dict[str, str]:
    return make_key(company, scopes=["payments:read", "payments:write"])


@pytest.fixture
def make_payment(db) -> Callable[..., Payment]:
    """A payment row as a charge would have left it (for refunds, webhooks and lists)."""

    def make(company, *, gateway: str = "stripe", transaction_id: str = "", amount: str = "29.35", **fields: Any):
        fields.setdefault("status", Payment.Status.SUCCEEDED)
        fields.setdefault("currency", "USD")
        return Payment.objects.create(
            company=company, gateway=gateway, gateway_transaction_id=transaction_id, amount=Decimal(amount), **fields
        )

    return make


# --- answers in the gateways' documented shapes ------------------------------------------


def stripe_intent(status: str = "succeeded", *, intent_id: str = "pi_3QJ5nTLkdIwHu7ix0pD8Kmq1", amount: int = 9999):
    return {
        "id": intent_id,
        "object": "payment_intent",
        "amount": amount,
        "currency": "usd",
        "status": status,
        "client_secret": f"{intent_id}_secret_xyz",
        "latest_charge": "ch_3QJ5nTLkdIwHu7ix0w8ZkVn3",
        "last_payment_error": None,
        "livemode": False,
    }


def stripe_card_error(decline_code: str = "insufficient_funds") -> dict[str, Any]:
    return {
        "error": {
            "type": "card_error",
            "code": "card_declined",
            "decline_code": decline_code,
            "message": "Your card has insufficient funds.",
            "doc_url": "https://stripe.com/docs/error-codes/card-declined",
            "payment_intent": {
                "id": "pi_3QJ9declined",
                "object": "payment_intent",
                "status": "requires_payment_method",
            },
        }
    }


def stripe_refund(status: str = "succeeded", *, refund_id: str = "re_3QJ5nTLkdIwHu7ix0Zk1aB2c", amount: int = 1000):
    return {
        "id": refund_id,
        "object": "refund",
        "amount": amount,
        "currency": "usd",
        "payment_intent": "pi_3QJ5nTLkdIwHu7ix0pD8Kmq1",
        "status": status,
    }
