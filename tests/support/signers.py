"""The sending side of each provider's scheme, as the provider computes it (their libraries where they ship one)."""

import base64
import hashlib
import hmac
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import urlencode

import stripe
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from standardwebhooks import Webhook as StandardWebhook
from twilio.request_validator import RequestValidator

STRIPE_SECRET = "whsec_test_stripe_0123456789abcdef"
WOO_SECRET = "woo-webhook-secret-!@#"
SHOPIFY_SECRET = "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"
SQUARE_KEY = "sq0wsk-Square-Signature-Key-123"
RAZORPAY_SECRET = "razorpay-webhook-secret"
TWILIO_TOKEN = "12345678901234567890123456789012"
SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
UBER_SECRET = "uber-client-secret-xyz"
DELIVEROO_SECRET = "deliveroo-webhook-secret"
ANET_KEY = "56E529FE6D6B1B0E2C8F6C42B3E8C1A1F5B4A3D2C1B0A9F8E7D6C5B4A3F2E1D0C9B8A7F6E5D4C3B2A1F0E9D8C7B6A5F4E3D2C1B0A9F8E7D6C5B4A3F2E1D0"  # noqa: E501
STANDARD_SECRET = "whsec_" + base64.b64encode(b"standard-webhooks-test-secret-32b").decode()

SENDGRID_PRIVATE_KEY = ec.generate_private_key(ec.SECP256R1())
SENDGRID_PUBLIC_KEY = base64.b64encode(
    SENDGRID_PRIVATE_KEY.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
).decode()


def _b64_hmac(key: str, message: bytes, algorithm=hashlib.sha256) -> str:
    return base64.b64encode(hmac.new(key.encode(), message, algorithm).digest()).decode()


def stripe_headers(body: bytes, *, secret: str = STRIPE_SECRET, timestamp: int | None = None) -> dict[str, str]:
    t = int(time.time()) if timestamp is None else timestamp
    signature = stripe.WebhookSignature._compute_signature(f"{t}.{body.decode()}", secret)
    return {"Stripe-Signature": f"t={t},v1={signature}"}


def woocommerce_headers(body: bytes, *, topic: str = "order.created", delivery_id: str | None = None) -> dict[str, str]:
    return {
        "X-WC-Webhook-Source": "https://shop.example.com/",
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": topic.split(".")[0],
        "X-WC-Webhook-Event": topic.split(".")[-1],
        "X-WC-Webhook-ID": "12",
        "X-WC-Webhook-Delivery-ID": delivery_id or uuid.uuid4().hex,
        "X-WC-Webhook-Signature": _b64_hmac(WOO_SECRET, body),
    }


def shopify_headers(body: bytes) -> dict[str, str]:
    return {
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Shop-Domain": "my-shop.myshopify.com",
        "X-Shopify-API-Version": "2024-10",
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        "X-Shopify-Event-Id": str(uuid.uuid4()),
        "X-Shopify-Hmac-Sha256": _b64_hmac(SHOPIFY_SECRET, body),
    }


def square_headers(body: bytes, *, url: str) -> dict[str, str]:
    return {"x-square-hmacsha256-signature": _b64_hmac(SQUARE_KEY, url.encode() + body)}


def razorpay_headers(body: bytes) -> dict[str, str]:
    return {
        "X-Razorpay-Signature": hmac.new(RAZORPAY_SECRET.encode(), body, hashlib.sha256).hexdigest(),
        "X-Razorpay-Event-Id": "Ev" + uuid.uuid4().hex[:14],
    }


def twilio_headers(params: dict[str, str], *, url: str) -> dict[str, str]:
    return {"X-Twilio-Signature": RequestValidator(TWILIO_TOKEN).compute_signature(url, params)}


def twilio_body(params: dict[str, str]) -> bytes:
    return urlencode(params).encode()


def standard_headers(body: bytes, *, secret: str = STANDARD_SECRET, timestamp: datetime | None = None) -> dict:
    msg_id = "msg_" + uuid.uuid4().hex
    ts = timestamp or datetime.now(tz=UTC)
    signature = StandardWebhook(secret).sign(msg_id=msg_id, timestamp=ts, data=body.decode())
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(ts.timestamp())), "webhook-signature": signature}


def slack_headers(body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(SLACK_SECRET.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def ubereats_headers(body: bytes) -> dict[str, str]:
    return {"X-Uber-Signature": hmac.new(UBER_SECRET.encode(), body, hashlib.sha256).hexdigest()}


def deliveroo_headers(body: bytes) -> dict[str, str]:
    guid = str(uuid.uuid4())
    digest = hmac.new(DELIVEROO_SECRET.encode(), guid.encode() + b" " + body, hashlib.sha256).hexdigest()
    return {"X-Deliveroo-Sequence-Guid": guid, "X-Deliveroo-Hmac-Sha256": digest}


def authorizenet_headers(body: bytes) -> dict[str, str]:
    digest = hmac.new(ANET_KEY.encode(), body, hashlib.sha512).hexdigest().upper()
    return {"X-ANET-Signature": f"sha512={digest}"}


def sendgrid_headers(body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SENDGRID_PRIVATE_KEY.sign(ts.encode() + body, ec.ECDSA(hashes.SHA256()))
    return {
        "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(signature).decode(),
        "X-Twilio-Email-Event-Webhook-Timestamp": ts,
    }
