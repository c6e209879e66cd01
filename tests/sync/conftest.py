"""Fixtures of the sync tests: loopback WooCommerce and Shopify stand-ins with real paging and auth."""

import base64
import copy
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from integrations.models import Integration
from sync import services
from sync.models import SyncRun
from tests.support.http import Answer, Request, StandIn
from tests.support.payloads import FIXTURES
from tests.support.providers import SHOPIFY_TOKEN, WOO_KEY, WOO_SECRET, shopify_config, woocommerce_config


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture(autouse=True)
def _loopback_allowed(settings) -> None:
    # The stand-ins listen on 127.0.0.1, which the SSRF guard refuses by default.
    settings.HUB_ALLOW_LOCAL_TARGETS = True
    settings.SYNC_HTTP_TIMEOUT_SECONDS = 5


class ProviderStore(StandIn):
    """A provider's store: records per kind, served by the loopback stand-in with the provider's paging and auth."""

    kinds = ("products", "customers", "orders")

    def __init__(self) -> None:
        self.records: dict[str, dict[str, dict[str, Any]]] = {k: {} for k in self.kinds}
        self.next_id = 1000
        # (method, kind, page) -> HTTP status to answer instead, for provider failures
        self.failures: dict[tuple[str, str, int], int] = {}
        super().__init__()

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def calls(self, method: str, kind: str) -> list[Request]:
        return [r for r in self.requests if r.method == method and f"/{kind}" in r.route]

    def answer(self, request: Request) -> Answer:
        return Answer(*self.serve(request))

    def serve(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        raise NotImplementedError


class WooCommerce(ProviderStore):
    """WooCommerce REST v3: basic auth with the consumer key/secret, page/per_page, X-WP-TotalPages."""

    PREFIX = "/wp-json/wc/v3/"

    @staticmethod
    def stamp(when: datetime) -> str:
        return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")

    def add_product(self, *, name: str, sku: str, price: str, modified: datetime | None = None) -> dict[str, Any]:
        pid = self.new_id()
        when = self.stamp(modified or now())
        record = {
            "id": pid,
            "name": name,
            "slug": name.lower().replace(" ", "-"),
            "permalink": f"https://shop.example.com/product/{pid}/",
            "date_created": when,
            "date_created_gmt": when,
            "date_modified": when,
            "date_modified_gmt": when,
            "type": "simple",
            "status": "publish",
            "sku": sku,
            "price": price,
            "regular_price": price,
            "sale_price": "",
            "stock_status": "instock",
            "categories": [{"id": 15, "name": "Wraps", "slug": "wraps"}],
        }
        self.records["products"][str(pid)] = record
        return record

    def add_customer(self, *, first: str, last: str, email: str, phone: str, modified: datetime | None = None):
        cid = self.new_id()
        when = self.stamp(modified or now())
        record = {
            "id": cid,
            "date_created": when,
            "date_created_gmt": when,
            "date_modified": when,
            "date_modified_gmt": when,
            "email": email,
            "first_name": first,
            "last_name": last,
            "role": "customer",
            "username": email.split("@")[0],
            "billing": {"first_name": first, "last_name": last, "email": email, "phone": phone, "country": "AE"},
            "shipping": {"first_name": first, "last_name": last, "country": "AE"},
            "is_paying_customer": False,
        }
        self.records["customers"][str(cid)] = record
        return record

    def add_order(self, *, modified: datetime | None = None, **changes: Any) -> dict[str, Any]:
        record = json.loads((FIXTURES / "woocommerce" / "order_created.json").read_text())
        record.update(id=self.new_id(), date_modified_gmt=self.stamp(modified or now()), **changes)
        self.records["orders"][str(record["id"])] = record
        return record

    def touch(self, kind: str, rid: Any, *, modified: datetime | None = None, **changes: Any) -> None:
        """Change a record as a shop manager would (its modified date moves)."""
        record = self.records[kind][str(rid)]
        record.update(changes)
        record["date_modified_gmt"] = record["date_modified"] = self.stamp(modified or now())

    def serve(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        auth = request["headers"].get("Authorization", "")
        expected = "Basic " + base64.b64encode(f"{WOO_KEY}:{WOO_SECRET}".encode()).decode()
        if auth != expected:
            error = {"code": "woocommerce_rest_cannot_view", "message": "Sorry, you cannot list resources."}
            return 401, {**error, "data": {"status": 401}}, {}
        path = request.route.removeprefix(self.PREFIX)
        kind, _, rid = path.partition("/")
        if kind not in self.kinds:
            return 404, {"code": "rest_no_route", "message": "No route was found.", "data": {"status": 404}}, {}
        page = int(request["query"].get("page", 1))
        failure = self.failures.get((request["method"], kind, page if request["method"] == "GET" else 0))
        if failure:
            return failure, {"code": "internal_server_error", "message": "Critical error.", "data": {}}, {}
        if request["method"] == "GET":
            per_page = int(request["query"].get("per_page", 10))
            rows = sorted(self.records[kind].values(), key=lambda r: r["id"])
            after = request["query"].get("modified_after")
            if after:
                rows = [r for r in rows if r["date_modified_gmt"] > after]
            total_pages = max(1, -(-len(rows) // per_page))
            chunk = rows[(page - 1) * per_page : page * per_page]
            headers = {"X-WP-Total": str(len(rows)), "X-WP-TotalPages": str(total_pages)}
            return 200, copy.deepcopy(chunk), headers
        body = request.json or {}
        if request["method"] == "POST":
            if kind == "products" and any(r["sku"] == body.get("sku") for r in self.records["products"].values()):
                error = {
                    "code": "product_invalid_sku",
                    "message": "Invalid or duplicated SKU.",
                    "data": {"status": 400},
                }
                return 400, error, {}
            rid = str(self.new_id())
            when = self.stamp(now())
            record = {"id": int(rid), "date_created_gmt": when, "date_modified_gmt": when, **body}
            if kind == "products":
                record["price"] = body.get("regular_price", "")
            self.records[kind][rid] = record
            return 201, copy.deepcopy(record), {}
        if rid not in self.records[kind]:
            return 404, {"code": "woocommerce_rest_invalid_id", "message": "Invalid ID.", "data": {"status": 404}}, {}
        record = self.records[kind][rid]
        for key, value in body.items():
            record[key] = {**record.get(key, {}), **value} if isinstance(value, dict) else value
        if kind == "products" and "regular_price" in body:
            record["price"] = body["regular_price"]
        record["date_modified_gmt"] = self.stamp(now())
        return 200, copy.deepcopy(record), {}


class Shopify(ProviderStore):
    """Shopify Admin REST 2024-10: X-Shopify-Access-Token, limit and cursor page_info in Link rel=next."""

    PREFIX = "/admin/api/2024-10/"

    @staticmethod
    def stamp(when: datetime) -> str:
        return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")

    def add_product(self, *, title: str, sku: str, price: str, modified: datetime | None = None) -> dict[str, Any]:
        pid = self.new_id()
        when = self.stamp(modified or now())
        record = {
            "id": pid,
            "title": title,
            "body_html": "",
            "vendor": "Test shop",
            "product_type": "",
            "created_at": when,
            "updated_at": when,
            "handle": title.lower().replace(" ", "-"),
            "status": "active",
            "variants": [{"id": pid * 10, "product_id": pid, "title": "Default Title", "price": price, "sku": sku}],
        }
        self.records["products"][str(pid)] = record
        return record

    def add_customer(self, *, first: str, last: str, email: str, phone: str) -> dict[str, Any]:
        cid = self.new_id()
        when = self.stamp(now())
        record = {
            "id": cid,
            "email": email,
            "created_at": when,
            "updated_at": when,
            "first_name": first,
            "last_name": last,
            "phone": phone,
            "default_address": {"country_code": "AE", "phone": phone},
        }
        self.records["customers"][str(cid)] = record
        return record

    def add_order(self) -> dict[str, Any]:
        record = json.loads((FIXTURES / "shopify" / "orders_create.json").read_text())
        record.update(id=self.new_id(), updated_at=self.stamp(now()))
        self.records["orders"][str(record["id"])] = record
        return record

    def serve(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        if request["headers"].get("X-Shopify-Access-Token") != SHOPIFY_TOKEN:
            return 401, {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}, {}
        path = request.route.removeprefix(self.PREFIX).removesuffix(".json")
        kind, _, rid = path.partition("/")
        singular = kind[:-1]
        if request["method"] == "GET":
            query = request["query"]
            if "page_info" in query:
                cursor = json.loads(base64.urlsafe_b64decode(query["page_info"]))
                if set(query) - {"page_info", "limit"}:
                    return 400, {"errors": {"page_info": ["Only limit may accompany page_info."]}}, {}
            else:
                cursor = {"offset": 0, "updated_at_min": query.get("updated_at_min")}
            limit = int(query.get("limit", 50))
            rows = sorted(self.records[kind].values(), key=lambda r: r["id"])
            if cursor["updated_at_min"]:
                floor = datetime.fromisoformat(cursor["updated_at_min"].replace("Z", "+00:00"))
                rows = [r for r in rows if datetime.fromisoformat(r["updated_at"]) >= floor]
            chunk = rows[cursor["offset"] : cursor["offset"] + limit]
            headers = {}
            if cursor["offset"] + limit < len(rows):
                token = base64.urlsafe_b64encode(json.dumps({**cursor, "offset": cursor["offset"] + limit}).encode())
                link = f"{self.url}{self.PREFIX}{kind}.json?limit={limit}&page_info={token.decode()}"
                headers["Link"] = f'<{link}>; rel="next"'
            return 200, {kind: copy.deepcopy(chunk)}, headers
        body = (request.json or {}).get(singular, {})
        when = self.stamp(now())
        if request["method"] == "POST":
            rid = str(self.new_id())
            self.records[kind][rid] = {"id": int(rid), "created_at": when, "updated_at": when, **body}
            return 201, {singular: copy.deepcopy(self.records[kind][rid])}, {}
        if rid not in self.records[kind]:
            return 404, {"errors": "Not Found"}, {}
        self.records[kind][rid].update(body, updated_at=when)
        return 200, {singular: copy.deepcopy(self.records[kind][rid])}, {}


@pytest.fixture
def woo() -> Iterator[WooCommerce]:
    with WooCommerce() as server:
        yield server


@pytest.fixture
def shopify() -> Iterator[Shopify]:
    with Shopify() as server:
        yield server


@pytest.fixture
def woo_integration(company, woo, make_integration) -> Integration:
    return make_integration(company, "woocommerce", woocommerce_config(woo.url), name="Shop")


@pytest.fixture
def shopify_integration(company, shopify, make_integration) -> Integration:
    return make_integration(company, "shopify", shopify_config(shopify.url), name="Shopify store")


@pytest.fixture
def run_sync() -> Callable[..., SyncRun]:
    """Start a sync and carry it out in this process (the Celery path has its own end-to-end test)."""

    def run(integration: Integration, sync_type: str = "full", direction: str = "pull", **options: Any) -> SyncRun:
        started = services.sync_start(
            integration=integration,
            sync_type=sync_type,
            direction=direction,
            triggered_by=SyncRun.Trigger.USER,
            triggered_by_id="1",
            **options,
        )
        services.sync_execute(run_id=started.id)
        started.refresh_from_db()
        return started

    return run


def earlier(minutes: int) -> datetime:
    return now() - timedelta(minutes=minutes)
