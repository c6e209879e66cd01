"""Fixtures of the payments tests: the stand-in as a gateway, gateway integrations, keys, payments, gateway answers."""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from integrations.models import Integration
from payments.models import Payment
from tests.support.factories import PaymentFactory
from tests.support.http import StandIn
from tests.support.payloads import fixture_bytes, fixture_data  # noqa: F401 (the folder's tests import them here)
from tests.support.providers import GATEWAY_CREDENTIALS

CREDENTIALS = GATEWAY_CREDENTIALS


@pytest.fixture(autouse=True)
def _loopback_allowed(settings) -> None:
    # Gateway stand-ins listen on 127.0.0.1, which the SSRF guard refuses by default.
    settings.HUB_ALLOW_LOCAL_TARGETS = True
    settings.PAYMENTS_HTTP_TIMEOUT_SECONDS = 1
    settings.INBOUND_INTEGRATION_CACHE_SECONDS = 0


@pytest.fixture
def gateway(stand_in: StandIn) -> StandIn:
    """The stand-in as a gateway: routes added by each test, anything else answers 404."""
    stand_in.status, stand_in.body = 404, {"error": "no route"}
    return stand_in


@pytest.fixture
def make_gateway_integration(make_integration) -> Callable[..., Integration]:
    """An integration of a gateway at `base_url`, with that gateway's test credentials."""

    def make(company, provider: str, base_url: str, name: str | None = None, **extra: str) -> Integration:
        return make_integration(company, provider, {"baseUrl": base_url, **CREDENTIALS[provider], **extra}, name=name)

    return make


@pytest.fixture
def pay_headers(make_key, company) -> dict[str, str]:
    return make_key(company, scopes=["payments:read", "payments:write"])


@pytest.fixture
def make_payment(db) -> Callable[..., Payment]:
    """A payment row as a charge would have left it (for refunds, webhooks and lists)."""

    def make(company, *, gateway: str = "stripe", transaction_id: str = "", amount: str = "29.35", **fields: Any):
        return PaymentFactory(
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
