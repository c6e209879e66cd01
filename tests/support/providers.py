"""Test credentials and connection settings per provider, pointed at a stand-in's URL (one home for all folders)."""

from typing import Any

TWILIO_SID = "AC9b2b5d4e0f1a2b3c4d5e6f7a8b9c0d1e"
WOO_KEY, WOO_SECRET = "ck_test_5f8a1c2b3d4e", "cs_test_9e8d7c6b5a4f"
SHOPIFY_TOKEN = "shpat_test_0123456789abcdef"

# Payment gateways' credentials, merged with the stand-in's baseUrl by `make_gateway_integration`.
GATEWAY_CREDENTIALS: dict[str, dict[str, str]] = {
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


def twilio_config(url: str, token: str = "12345678901234567890123456789012") -> dict[str, str]:
    return {"baseUrl": url, "accountSid": TWILIO_SID, "authToken": token, "fromNumber": "+15005550006"}


def sendgrid_config(url: str) -> dict[str, str]:
    return {"baseUrl": url, "apiKey": "SG.test-key-0123456789", "fromEmail": "noreply@shop.example.com"}


def smtp_config(port: int) -> dict[str, Any]:
    return {"host": "127.0.0.1", "port": port, "fromEmail": "alerts@shop.example.com"}


def woocommerce_config(url: str, *, webhook_secret: str = "") -> dict[str, str]:
    config = {"baseUrl": url, "consumerKey": WOO_KEY, "consumerSecret": WOO_SECRET}
    return {**config, "webhookSecret": webhook_secret} if webhook_secret else config


def shopify_config(url: str) -> dict[str, str]:
    return {"baseUrl": url, "accessToken": SHOPIFY_TOKEN}
