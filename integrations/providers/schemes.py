"""Signature schemes several providers share (Standard Webhooks, plain body HMACs)."""

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError

from integrations.providers.base import (
    InboundRequest,
    InboundScheme,
    MalformedBody,
    ParsedEvent,
    SignatureInvalid,
    body_digest_id,
    check_timestamp,
    constant_time_equal,
    hmac_digest,
    json_object,
    require_header,
    require_secret,
)


class StandardWebhooks(InboundScheme):
    """Standard Webhooks (standardwebhooks.com): HMAC-SHA256 of "id.timestamp.body", whsec_ secrets."""

    name = "standard-webhooks"
    summary = "Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature (v1,<base64>), 5-minute tolerance"
    secret_field = "webhookSecret"

    def verify(self, request: InboundRequest, values: Mapping[str, Any]) -> None:
        secret = require_secret(values, self.secret_field)
        headers = {
            name: require_header(request, name) for name in ("webhook-id", "webhook-timestamp", "webhook-signature")
        }
        # Our own checks first, for messages that name the problem (the library says only "no match").
        check_timestamp(headers["webhook-timestamp"])
        try:
            base64.b64decode(secret.removeprefix("whsec_"), validate=True)
        except binascii.Error:
            raise SignatureInvalid("The integration's webhook secret is not a base64 whsec_ secret.")
        # standardwebhooks' Webhook.verify compares the signature; it also parses the body as JSON.
        try:
            Webhook(secret).verify(request.body, headers)
        except WebhookVerificationError:
            raise SignatureInvalid("No webhook-signature matches the body.")
        except json.JSONDecodeError as exc:  # signed, but not JSON: parse() would refuse it the same way
            raise MalformedBody(f"The body is not valid JSON: {exc}")
        except (ValueError, binascii.Error):  # a malformed signature list or body the library cannot read
            raise SignatureInvalid("No webhook-signature matches the body.")

    def parse(self, request: InboundRequest) -> ParsedEvent:
        payload = json_object(request)
        topic = payload.get("type") or payload.get("event") or payload.get("eventType") or "event"
        return ParsedEvent(topic=str(topic), event_id=request.header("webhook-id"), payload=payload)


class BodyHmac(InboundScheme):
    """An HMAC of the raw body in one header (hex or base64), as many providers send."""

    header = ""
    secret_field = "webhookSecret"
    encoding = "hex"  # or "base64"
    algorithm = "sha256"
    prefix = ""  # e.g. "sha512=" (Authorize.Net)

    def expected(self, request: InboundRequest, secret: str) -> str:
        digest = hmac_digest(secret, self.signed_bytes(request), self.algorithm)
        return digest.hex() if self.encoding == "hex" else base64.b64encode(digest).decode()

    def signed_bytes(self, request: InboundRequest) -> bytes:
        return request.body

    def verify(self, request: InboundRequest, values: Mapping[str, Any]) -> None:
        secret = require_secret(values, self.secret_field)
        given = require_header(request, self.header)
        if self.prefix:
            if not given.lower().startswith(self.prefix):
                raise SignatureInvalid(f"The {self.header} header does not start with {self.prefix}.")
            given = given[len(self.prefix) :]
        expected = self.expected(request, secret)
        if self.encoding == "hex":
            expected, given = expected.lower(), given.lower()
        if not constant_time_equal(expected, given):
            raise SignatureInvalid(f"The {self.header} signature does not match the body.")


def require_fields(payload: dict[str, Any], *names: str) -> None:
    missing = [n for n in names if n not in payload]
    if missing:
        raise MalformedBody(f"The event lacks {', '.join(missing)}.")


def body_event_id(request: InboundRequest, payload: dict[str, Any]) -> str:
    """An event id made of signed bytes only: the body's own id and its digest.

    For body-HMAC schemes without a timestamp (WooCommerce, Shopify), delivery-id headers
    are not signed: a replayed body under a fresh header would count as new. The body's
    digest makes a replay a duplicate; its id keeps the stored id readable for operators.
    """
    own_id = payload.get("id")
    digest = body_digest_id(request)
    if isinstance(own_id, str | int) and not isinstance(own_id, bool) and len(str(own_id)) <= 64:
        return f"{own_id}:{digest}"
    return digest


def refuse_contradicting_topic(*, header: str, topic: str, claimed: str | None, found: str | None) -> None:
    """Raise MalformedBody when the body shows a resource other than the (unsigned) topic header claims.

    `claimed` is the resource the topic names, `found` the one the payload shows; either is
    None when unknown, and an unknown side cannot contradict (deletions carry only an id).
    """
    if claimed is not None and found is not None and claimed != found:
        raise MalformedBody(f"The {header} header ({topic}) contradicts the payload, which is a {found}.")
