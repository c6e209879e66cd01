"""The README quickstart from a fresh checkout: `make run`'s script, then each documented first step."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests
from standardwebhooks import Webhook

from tests.e2e.live import Receiver, embedded_run, free_port, fresh_checkout, wait_until

pytestmark = pytest.mark.e2e


class _Assets(HTMLParser):
    """Collect the script and stylesheet URLs a page loads."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        url = found.get("src") if tag == "script" else found.get("href") if tag == "link" else None
        if url:
            self.urls.append(url)


def _printed(lines: list[str], label: str) -> str:
    line = next(line for line in lines if label in line)
    return line.split(label, 1)[1].strip()


def test_the_readme_quickstart_succeeds_from_a_fresh_checkout(tmp_path: Path):
    # given a fresh copy of the repository and `make run`'s script, with no PostgreSQL or Redis configured
    checkout = fresh_checkout(tmp_path / "hub")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    receiver = Receiver()
    with embedded_run(checkout, port=port, log=tmp_path / "run.log") as (proc, lines):
        wait_until(
            lambda: any("Demo API key" in line for line in lines) or proc.poll() is not None,
            timeout=180,
            what="the credentials banner",
        )
        assert proc.poll() is None, (tmp_path / "run.log").read_text()[-3000:]
        key = _printed(lines, "Demo API key (all scopes):")
        assert re.fullmatch(r"ihk_[A-Za-z0-9_-]{20,}", key)
        headers = {"X-API-Key": key}

        def up() -> bool:
            try:
                return requests.get(f"{base}/api/v1/auth/me/", headers=headers, timeout=5).status_code == 200
            except requests.ConnectionError:
                return False

        wait_until(up, timeout=60, what="the web server to answer with the printed key")

        # then the API docs load from the installed package: no asset from another origin, each one served
        for page in ("/api/docs/", "/api/redoc/"):
            html = requests.get(base + page, timeout=10)
            assert html.status_code == 200
            parser = _Assets()
            parser.feed(html.text)
            assets = [u for u in parser.urls if u.endswith((".js", ".css"))]
            assert assets and not [u for u in assets if u.startswith(("http:", "https:", "//"))], assets
            for url in assets:
                assert requests.get(base + url, timeout=10).status_code == 200, url

        # and a partner's local receiver can be registered (the embedded mode allows local targets)
        registered = requests.post(
            f"{base}/api/v1/webhooks/register",
            json={"url": receiver.url, "events": ["order.created"], "name": "My receiver"},
            headers=headers,
            timeout=10,
        )
        assert registered.status_code == 201, registered.text
        secret = registered.json()["secret"]

        # when the order example of docs/orders.md is sent
        order = requests.post(
            f"{base}/api/v1/orders",
            json={
                "provider": "ubereats",
                "externalOrderId": "UE-100234",
                "branchId": "branch-123",
                "orderType": "delivery",
                "items": [
                    {"sku": "BRG-CLS", "quantity": 2, "modifiers": ["extra-cheese"]},
                    {
                        "sku": "DRK-COLA",
                        "name": "Cola",
                        "quantity": 1,
                        "unitPrice": "6.00",
                        "modifiers": [{"name": "large", "price": "2.00", "quantity": 1}],
                    },
                ],
                "customerName": "John Doe",
                "customerPhone": "+971501234567",
                "deliveryAddress": "123 Main St, Dubai",
                "currency": "AED",
                "deliveryFee": "7.00",
                "total": "79.00",
            },
            headers={**headers, "Idempotency-Key": "2f1c-order-100234"},
            timeout=10,
        )
        # then it is created, and its signed webhook reaches the receiver and verifies with the secret
        assert order.status_code == 201, order.text
        assert order.json()["total"] == "79.00"
        wait_until(lambda: receiver.received, timeout=60, what="the order.created webhook at the local receiver")
        sent_headers, body = receiver.received[0]
        event = Webhook(secret).verify(body, sent_headers)
        assert event["type"] == "order.created" and event["data"]["orderId"] == order.json()["id"]

        # and the seeded demo endpoint delivered the same event to the hub's own receiver
        endpoints = requests.get(f"{base}/api/v1/webhooks", headers=headers, timeout=10).json()["webhooks"]
        demo = next(e for e in endpoints if e["name"] == "Demo subscriber")
        assert demo["status"] == "active"

        def demo_delivered() -> bool:
            url = f"{base}/api/v1/webhooks/{demo['id']}/deliveries"
            deliveries = requests.get(url, headers=headers, timeout=10).json()["deliveries"]
            return any(d["status"] == "success" for d in deliveries)

        wait_until(demo_delivered, timeout=60, what="the demo endpoint's delivery to the hub's receiver")

        # and a sandbox payment succeeds and is refunded
        paid = requests.post(
            f"{base}/api/v1/payments",
            json={"gateway": "sandbox", "amount": 99.99, "currency": "USD", "paymentMethodId": "pm_card_visa"},
            headers=headers,
            timeout=10,
        )
        assert paid.status_code == 201 and paid.json()["status"] == "succeeded", paid.text
        refund = requests.post(
            f"{base}/api/v1/payments/refund",
            json={"transactionId": paid.json()["id"], "amount": 99.99, "reason": "requested_by_customer"},
            headers=headers,
            timeout=10,
        )
        assert refund.status_code == 201 and refund.json()["payment"]["status"] == "refunded", refund.text

        # and an email and an SMS are sent through the demo's sandbox provider
        sent = [
            requests.post(
                f"{base}/api/v1/messages/email",
                json={"to": "buyer@example.com", "subject": "Your order", "content": "<p>Thanks!</p>"},
                headers=headers,
                timeout=10,
            ),
            requests.post(
                f"{base}/api/v1/messages/sms",
                json={"to": "+14155550123", "message": "Your order is on its way"},
                headers=headers,
                timeout=10,
            ),
        ]
        assert all(r.status_code == 202 for r in sent), [r.text for r in sent]

        def delivered(message_id: str) -> bool:
            message = requests.get(f"{base}/api/v1/messages/{message_id}", headers=headers, timeout=10).json()
            return message["status"] in ("sent", "delivered") and message["provider"] == "sandbox"

        for response in sent:
            wait_until(lambda r=response: delivered(r.json()["id"]), timeout=60, what="a demo message to be sent")

        # and the operator sees both in the sandbox outbox
        operator, password = _printed(lines, "operator").split(" / ")
        admin = requests.Session()
        admin.get(f"{base}/admin/login/", timeout=10)
        login = admin.post(
            f"{base}/admin/login/?next=/admin/",
            data={"username": operator, "password": password, "csrfmiddlewaretoken": admin.cookies["csrftoken"]},
            headers={"Referer": f"{base}/admin/login/"},
            timeout=10,
        )
        assert login.url.endswith("/admin/"), login.text[:500]
        outbox = admin.get(f"{base}/admin/messaging/sandboxmessage/", timeout=10).text
        assert "buyer@example.com" in outbox and "+14155550123" in outbox
    receiver.close()
