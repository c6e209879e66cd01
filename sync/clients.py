"""Provider clients for syncs: WooCommerce REST v3 and Shopify Admin REST, paged, through the outbound seam.

Every call goes through `integrations.transport.request` (timeouts, no redirects, the SSRF
guard) to the integration's own base URL, so tests point an integration at a loopback
stand-in and patch nothing.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import requests
from django.conf import settings

from core.circuit import Circuit
from core.outbound import outcome
from integrations import transport
from integrations.providers import capability, providers_with, register_capability
from integrations.providers.base import api_url
from integrations.providers.shopify import API_VERSION as SHOPIFY_API_VERSION

KINDS = ("products", "customers", "orders")


class ProviderError(Exception):
    """The provider refused or failed a call (HTTP status, or none when it could not be reached)."""

    def __init__(self, message: str, *, http_status: int | None = None) -> None:
        super().__init__(message)
        self.http_status = http_status


@dataclass(frozen=True)
class Page:
    """One page of a provider's list: the raw records and whether more follow."""

    records: list[dict[str, Any]]
    number: int


class Client:
    """What the sync engine needs of a provider: list changed records, create and update one."""

    provider = ""

    def __init__(self, values: dict[str, Any], *, circuit: Circuit | None = None) -> None:
        self.values = values
        # Shared by every worker (docs/outbound.md): a provider that keeps failing is skipped for
        # a cool-down instead of costing a timeout per page.
        self.circuit = circuit

    def pages(self, kind: str, *, modified_after: datetime | None, batch_size: int) -> Iterator[Page]:
        raise NotImplementedError

    def create(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def update(self, kind: str, external_id: str, body: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def _call(self, method: str, url: str, *, json_body: Any = None, **kwargs: Any) -> requests.Response:
        if self.circuit is not None and not self.circuit.allow():
            raise ProviderError(
                f"{self.provider} failed repeatedly; calls are paused for {self.circuit.retry_in():.0f} s "
                "(circuit open)."
            )
        try:
            response = transport.request(
                method, url, json_body=json_body, timeout=settings.SYNC_HTTP_TIMEOUT_SECONDS, **kwargs
            )
        except transport.OutboundError as exc:
            if self.circuit is not None and exc.kind == outcome.RETRYABLE:
                self.circuit.record_failure()
            raise ProviderError(str(exc))
        if self.circuit is not None:
            if outcome.status_kind(response.status_code) == outcome.RETRYABLE:
                self.circuit.record_failure()
            else:
                self.circuit.record_success()  # it answered: alive, even when it refused this request
        if not 200 <= response.status_code < 300:
            raise ProviderError(
                f"{self.provider} answered HTTP {response.status_code} to {method} {url.split('?')[0]}"
                f"{_provider_message(response)}",
                http_status=response.status_code,
            )
        return response

    @staticmethod
    def _json(response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise ProviderError(f"The provider's answer to {response.request.url} is not JSON.")


def _provider_message(response: requests.Response) -> str:
    """Return ": <the provider's own error message>" when the body carries one (never credentials)."""
    try:
        body = response.json()
    except ValueError:
        return "."
    if isinstance(body, dict):
        message = body.get("message") or body.get("errors")
        if message:
            return f": {str(message)[:300]}"
    return "."


class WooCommerceClient(Client):
    """WooCommerce REST API v3: consumer key/secret as basic auth, page/per_page with X-WP-TotalPages."""

    provider = "woocommerce"

    def _url(self, path: str, params: dict[str, Any] | None = None) -> str:
        url = api_url(self.values, f"wp-json/wc/v3/{path}")
        return f"{url}?{urlencode(params)}" if params else url

    def _auth(self) -> tuple[str, str]:
        return (str(self.values.get("consumerKey", "")), str(self.values.get("consumerSecret", "")))

    def pages(self, kind: str, *, modified_after: datetime | None, batch_size: int) -> Iterator[Page]:
        page = 1
        while True:
            params: dict[str, Any] = {"page": page, "per_page": batch_size, "orderby": "id", "order": "asc"}
            if modified_after is not None:
                # WooCommerce compares against date_modified(_gmt) when dates_are_gmt is set.
                params.update(modified_after=modified_after.strftime("%Y-%m-%dT%H:%M:%S"), dates_are_gmt="true")
            response = self._call("GET", self._url(kind, params), auth=self._auth())
            records = self._json(response)
            if not isinstance(records, list):
                raise ProviderError(f"WooCommerce answered a {type(records).__name__} where a list of {kind} belongs.")
            yield Page(records=records, number=page)
            total_pages = int(response.headers.get("X-WP-TotalPages") or page)
            if page >= total_pages or not records:
                return
            page += 1

    def create(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._json(self._call("POST", self._url(kind), json_body=body, auth=self._auth()))

    def update(self, kind: str, external_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._json(self._call("PUT", self._url(f"{kind}/{external_id}"), json_body=body, auth=self._auth()))


_NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')
_SINGULAR = {"products": "product", "customers": "customer", "orders": "order"}


class ShopifyClient(Client):
    """Shopify Admin REST: X-Shopify-Access-Token, cursor paging through the Link rel="next" header."""

    provider = "shopify"

    def _url(self, path: str, params: dict[str, Any] | None = None) -> str:
        url = api_url(self.values, f"admin/api/{SHOPIFY_API_VERSION}/{path}")
        return f"{url}?{urlencode(params)}" if params else url

    def _headers(self) -> dict[str, str]:
        return {"X-Shopify-Access-Token": str(self.values.get("accessToken", ""))}

    def pages(self, kind: str, *, modified_after: datetime | None, batch_size: int) -> Iterator[Page]:
        params: dict[str, Any] = {"limit": batch_size}
        if kind == "orders":
            params["status"] = "any"  # Shopify lists only open orders unless told otherwise
        if modified_after is not None:
            params["updated_at_min"] = modified_after.strftime("%Y-%m-%dT%H:%M:%SZ")
        url: str | None = self._url(f"{kind}.json", params)
        number = 1
        while url:
            # The next link carries page_info and limit only; Shopify refuses other filters beside it.
            response = self._call("GET", url, headers=self._headers())
            body = self._json(response)
            records = body.get(kind) if isinstance(body, dict) else None
            if not isinstance(records, list):
                raise ProviderError(f"Shopify's answer has no {kind!r} list.")
            yield Page(records=records, number=number)
            match = _NEXT_LINK.search(response.headers.get("Link", ""))
            url = match.group(1) if match and records else None
            number += 1

    def create(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = self._json(self._call("POST", self._url(f"{kind}.json"), json_body=body, headers=self._headers()))
        return answer.get(_SINGULAR[kind]) or {}

    def update(self, kind: str, external_id: str, body: dict[str, Any]) -> dict[str, Any]:
        url = self._url(f"{kind}/{external_id}.json")
        answer = self._json(self._call("PUT", url, json_body=body, headers=self._headers()))
        return answer.get(_SINGULAR[kind]) or {}


CAPABILITY = "sync_client"


def register() -> None:
    """Attach every Client subclass to its provider (SyncConfig.ready): a new client class is all it takes."""
    for client in Client.__subclasses__():
        register_capability(client.provider, CAPABILITY, client)


def supported_providers() -> tuple[str, ...]:
    """Return the providers that can sync, in the registry's listing order."""
    return providers_with(CAPABILITY)


def client_for(provider: str, values: dict[str, Any], *, circuit: Circuit | None = None) -> Client:
    """Return the sync client of a commerce provider (KeyError for others)."""
    return capability(provider, CAPABILITY)(values, circuit=circuit)
