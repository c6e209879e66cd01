"""Writes of the webhooks app: publishing events (transactional outbox), endpoints, deliveries."""

import json
import logging
import re
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from redis.exceptions import RedisError

from accounts.models import Company
from accounts.redis_client import get_redis
from config.api.fields import isoformat_ms
from core.errors import InvalidInput
from core.masking import is_mask, mask_secret
from logs.services import log_record
from webhooks import catalog, client, destinations, retries, signing
from webhooks.models import Attempt, Delivery, Endpoint, Event

logger = logging.getLogger(__name__)

# Error kinds of attempts that never reached the network (client.HttpResult.error_kind).
INVALID_REQUEST = "invalid_request"  # the stored endpoint cannot form a valid request: not retried
INTERNAL_ERROR = "internal"  # an unexpected exception while sending: retried within maxRetries

# Custom headers may not replace these: the signature, the framing and the identity of the hub.
RESERVED_HEADERS = frozenset(
    {"host", "content-length", "content-type", "transfer-encoding", "connection", "user-agent", "te", "upgrade"}
)


def _company_id(company: Company | uuid.UUID | str) -> uuid.UUID:
    if isinstance(company, Company):
        return company.pk
    return company if isinstance(company, uuid.UUID) else uuid.UUID(str(company))


def deliveries_enqueue(delivery_ids: list[uuid.UUID], *, countdown: float = 0) -> None:
    """Hand deliveries to the Celery queue now, in messages of up to WEBHOOK_TASK_BATCH ids.

    Callers wrap this in transaction.on_commit. An event's deliveries travel together, so one
    message, one claim and one result transaction serve all its endpoints.
    """
    from webhooks.tasks import deliveries_attempt_task

    ids = [str(i) for i in delivery_ids]
    size = max(1, settings.WEBHOOK_TASK_BATCH)
    for start in range(0, len(ids), size):
        deliveries_attempt_task.apply_async(args=[ids[start : start + size]], countdown=countdown or None)


def deliveries_enqueue_by_endpoint(rows: list[tuple[uuid.UUID, uuid.UUID]], *, countdown: float = 0) -> None:
    """Enqueue (delivery id, endpoint id) pairs so that each message holds one endpoint's deliveries.

    A message is claimed, sent and recorded as one batch; keeping endpoints (and so companies)
    apart means one tenant's slow or broken endpoint never holds another's deliveries.
    """
    by_endpoint: defaultdict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for delivery_id, endpoint_id in rows:
        by_endpoint[endpoint_id].append(delivery_id)
    for ids in by_endpoint.values():
        deliveries_enqueue(ids, countdown=countdown)


def event_publish(
    company: Company | uuid.UUID | str,
    event_type: str,
    data: dict[str, Any],
    *,
    idempotency_key: str | None = None,
) -> Event:
    """Store an event and one delivery per matching active endpoint, in the caller's transaction.

    Delivery is enqueued when the transaction commits (nothing is sent for a rolled-back
    change); the beat sweeper picks up any delivery whose broker message is lost. With an
    idempotency key, publishing the same key again for the company returns the first event
    and creates nothing. An unknown event type raises ValueError before anything is written.
    """
    company_id = _company_id(company)
    if not catalog.is_known(event_type, company_id):
        raise ValueError(f"Unknown event type {event_type!r}; known types: {', '.join(catalog.EVENT_TYPES)}")
    if not isinstance(data, dict):
        raise ValueError("Event data must be a JSON object (dict)")
    # No savepoint of our own: publishing is part of the caller's change and fails with it
    # (two round trips fewer per event, measured to matter on hot paths).
    with transaction.atomic(savepoint=False):
        if idempotency_key:
            existing = Event.objects.filter(company_id=company_id, idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing
            try:
                with transaction.atomic():  # a savepoint: a concurrent duplicate key must not break the caller
                    event = Event.objects.create(
                        company_id=company_id, type=event_type, data=data, idempotency_key=idempotency_key
                    )
            except IntegrityError:
                return Event.objects.get(company_id=company_id, idempotency_key=idempotency_key)
        else:
            event = Event.objects.create(company_id=company_id, type=event_type, data=data)

        endpoints = [
            endpoint
            for endpoint in Endpoint.objects.filter(company_id=company_id, status=Endpoint.Status.ACTIVE).only(
                "id", "events"
            )
            if catalog.subscription_matches(endpoint.events, event_type)
        ]
        now = timezone.now()
        deliveries = Delivery.objects.bulk_create(
            [
                Delivery(
                    company_id=company_id,
                    endpoint_id=endpoint.id,
                    event=event,
                    event_type=event_type,
                    next_attempt_at=now,
                    enqueued_at=now,
                    created_at=now,
                )
                for endpoint in endpoints
            ]
        )
        if deliveries:
            ids = [d.id for d in deliveries]
            transaction.on_commit(lambda: deliveries_enqueue(ids))
        destinations.destinations_write(event)  # Kafka sinks and any other outbox, same transaction
    return event


# --- endpoints ------------------------------------------------------------------------


def url_check(url: str) -> None:
    """Raise InvalidInput (on `url`) when the URL may not be registered (scheme, private addresses)."""
    try:
        client.url_check(url)
    except client.UnsafeURLError as exc:
        raise InvalidInput(details={"url": str(exc)}) from exc


def _check_events(events: list[str], company_id: uuid.UUID | None = None) -> None:
    unknown = [e for e in events if not catalog.is_valid_subscription(e, company_id)]
    if unknown or not events:
        message = (
            f"Unknown event types {unknown}; allowed: {', '.join(catalog.allowed_patterns())}"
            if unknown
            else "Subscribe to at least one event type."
        )
        raise InvalidInput(details={"events": message})


# RFC 9110 §5.6.2: a field name is a token. Hand-written because no kept library exposes the
# grammar publicly (h11's is private); requests and http.client check less (":" passes).
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,256}")
# Values: visible ASCII, with single spaces or tabs inside (RFC 9110 §5.5 field-content, minus obs-text):
# what every HTTP stack sends unchanged. Non-ASCII would need an encoding the receiver cannot know.
_HEADER_VALUE = re.compile(r"(?:[\x21-\x7e](?:[\x20-\x7e\t]*[\x21-\x7e])?)?")
MAX_HEADERS = 20


def header_problem(name: Any, value: Any) -> str | None:
    """Return why one custom header cannot be sent (naming the header, never its value), or None."""
    if not isinstance(name, str) or not _HEADER_NAME.fullmatch(name):
        shown = name if isinstance(name, str) and name.isprintable() and len(name) <= 64 else "(unprintable)"
        return f"The header name {shown!r} is not a valid HTTP token (letters, digits and !#$%&'*+-.^_`|~ only)."
    lowered = name.lower()
    if lowered in RESERVED_HEADERS or lowered.startswith("webhook-"):
        return f"The header {name!r} is set by the hub and cannot be overridden."
    if not isinstance(value, str):
        return f"The header {name!r} must have a string value."
    if not _HEADER_VALUE.fullmatch(value):
        return (
            f"The header {name!r} must have a single-line value of visible ASCII characters "
            "(spaces allowed between them)."
        )
    return None


def headers_check(headers: Any) -> None:
    """Raise InvalidInput (on `headers`) unless custom headers are valid HTTP fields that leave reserved ones alone."""
    if not isinstance(headers, dict):
        raise InvalidInput(details={"headers": "Custom headers must be an object of header names to values."})
    if len(headers) > MAX_HEADERS:
        raise InvalidInput(details={"headers": f"At most {MAX_HEADERS} custom headers."})
    for name, value in headers.items():
        problem = header_problem(name, value)
        if problem:
            raise InvalidInput(details={"headers": problem})


def headers_merge(*, current: dict[str, str], incoming: dict[str, Any]) -> dict[str, Any]:
    """Return the headers to store: a value sent back masked (as responses show it) keeps the stored value."""
    if not isinstance(incoming, dict):
        raise InvalidInput(details={"headers": "Custom headers must be an object of header names to values."})
    merged: dict[str, Any] = {}
    for name, value in incoming.items():
        if is_mask(value):
            if name not in current:
                raise InvalidInput(details={"headers": f"The header {name!r} has no stored value to keep."})
            merged[name] = current[name]
        else:
            merged[name] = value
    return merged


def headers_masked(headers: dict[str, Any]) -> dict[str, str]:
    """Return custom headers for display: names as stored, values masked (they often carry tokens)."""
    return {str(name): mask_secret(value) for name, value in (headers or {}).items()}


@transaction.atomic
def endpoint_create(
    *,
    company_id: uuid.UUID,
    name: str,
    url: str,
    events: list[str],
    max_retries: int = 7,
    headers: dict[str, str] | None = None,
    rate_limit: int | None = None,
    description: str = "",
    metadata: dict[str, Any] | None = None,
    created_by_id: int | None = None,
) -> tuple[Endpoint, str]:
    """Register an endpoint and return it with its new signing secret (shown to the caller once)."""
    url_check(url)
    _check_events(events, company_id)
    headers = headers_merge(current={}, incoming=headers or {})
    headers_check(headers)
    secret = signing.secret_generate()
    endpoint = Endpoint.objects.create(
        company_id=company_id,
        name=name,
        url=url,
        events=list(dict.fromkeys(events)),
        max_retries=max_retries,
        headers=headers,
        rate_limit=rate_limit,
        description=description,
        metadata=metadata or {},
        secret=secret,
        created_by_id=created_by_id,
    )
    return endpoint, secret


_UPDATABLE = ("name", "url", "events", "max_retries", "headers", "rate_limit", "description", "metadata")


@transaction.atomic
def endpoint_update(*, endpoint: Endpoint, **changes: Any) -> Endpoint:
    """Change an endpoint's settings (the fields of registration, and `status` active/inactive)."""
    if "url" in changes:
        url_check(changes["url"])
    if "events" in changes:
        _check_events(changes["events"], endpoint.company_id)
        changes["events"] = list(dict.fromkeys(changes["events"]))
    if "headers" in changes:
        changes["headers"] = headers_merge(current=endpoint.headers or {}, incoming=changes["headers"] or {})
        headers_check(changes["headers"])
    status = changes.pop("status", None)
    for field, value in changes.items():
        if field not in _UPDATABLE:
            raise ValueError(f"{field} cannot be changed")
        setattr(endpoint, field, value)
    endpoint.save()
    if status == Endpoint.Status.ACTIVE and not endpoint.is_active():
        endpoint_enable(endpoint=endpoint)
    elif status == Endpoint.Status.INACTIVE and endpoint.status != Endpoint.Status.INACTIVE:
        endpoint_disable(endpoint=endpoint, reason="Disabled by a person")
    return endpoint


@transaction.atomic
def endpoint_delete(*, endpoint: Endpoint) -> None:
    """Delete an endpoint with its deliveries and their attempts."""
    endpoint.delete()


@transaction.atomic
def endpoint_enable(*, endpoint: Endpoint) -> Endpoint:
    """Re-enable an endpoint (an operator's decision after a disable), forgetting its failure streak."""
    endpoint.status = Endpoint.Status.ACTIVE
    endpoint.disabled_reason = ""
    endpoint.disabled_at = None
    endpoint.failure_count = 0
    endpoint.failing_since = None
    endpoint.save(
        update_fields=["status", "disabled_reason", "disabled_at", "failure_count", "failing_since", "updated_at"]
    )
    return endpoint


@transaction.atomic
def endpoint_disable(*, endpoint: Endpoint, reason: str, automatic: bool = False) -> Endpoint:
    """Stop deliveries to an endpoint, with the reason shown to operators; logged."""
    endpoint.status = Endpoint.Status.FAILED if automatic else Endpoint.Status.INACTIVE
    endpoint.disabled_reason = reason[:500]
    endpoint.disabled_at = timezone.now()
    endpoint.save(update_fields=["status", "disabled_reason", "disabled_at", "updated_at"])
    _log_disabled(endpoint_id=endpoint.id, company_id=endpoint.company_id, name=endpoint.name, reason=reason)
    return endpoint


def _log_disabled(*, endpoint_id: uuid.UUID, company_id: uuid.UUID, name: str, reason: str) -> None:
    logger.warning("webhook endpoint disabled", extra={"endpoint_id": str(endpoint_id), "reason": reason})
    log_record(
        company_id=company_id,
        integration_type="generic",
        operation="webhook",
        status="error",
        message=f"Webhook endpoint {name!r} disabled: {reason}",
        metadata={"endpointId": str(endpoint_id), "reason": reason},
    )


@transaction.atomic
def endpoint_secret_rotate(*, endpoint: Endpoint) -> str:
    """Give the endpoint a new secret; the old one keeps signing alongside it for the grace period."""
    new = signing.secret_generate()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = timezone.now() + timedelta(hours=settings.WEBHOOK_SECRET_GRACE_HOURS)
    endpoint.secret = new
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"])
    return new


def endpoint_test_send(*, endpoint: Endpoint) -> Attempt | None:
    """Send a webhook.test event to this endpoint now (whatever its status) and return the attempt."""
    now = timezone.now()
    with transaction.atomic():
        event = Event.objects.create(
            company_id=endpoint.company_id,
            type="webhook.test",
            data={"message": "This is a test webhook from Integration Hub.", "endpointId": str(endpoint.id)},
            created_at=now,
        )
        delivery = Delivery.objects.create(
            company_id=endpoint.company_id,
            endpoint=endpoint,
            event=event,
            event_type=event.type,
            next_attempt_at=now,
            enqueued_at=now,
            created_at=now,
        )
    return delivery_attempt(delivery_id=delivery.id, force=True, allow_retry=False)


@transaction.atomic
def endpoint_recover(*, endpoint: Endpoint, since: datetime) -> int:
    """Re-send every failed delivery of the endpoint created since the given time; return how many."""
    ids = list(
        Delivery.objects.filter(endpoint=endpoint, status=Delivery.Status.FAILED, created_at__gte=since).values_list(
            "id", flat=True
        )
    )
    return _deliveries_reopen(ids)


# --- deliveries --------------------------------------------------------------------------


def _deliveries_reopen(ids: list[uuid.UUID]) -> int:
    now = timezone.now()
    rows = list(
        Delivery.objects.filter(id__in=ids)
        .exclude(status__in=Delivery.OPEN_STATUSES)
        .select_for_update()
        .values_list("id", "endpoint_id")
    )
    reopened = [delivery_id for delivery_id, _ in rows]
    Delivery.objects.filter(id__in=reopened).update(
        status=Delivery.Status.PENDING,
        next_attempt_at=now,
        enqueued_at=now,
        claim_token=None,
        claimed_until=None,
        updated_at=now,
    )
    if rows:
        transaction.on_commit(lambda: deliveries_enqueue_by_endpoint(rows))
    return len(reopened)


@transaction.atomic
def delivery_retry(*, delivery: Delivery) -> bool:
    """Send a finished (failed or delivered) delivery again now; False when it is still scheduled."""
    return _deliveries_reopen([delivery.id]) == 1


@transaction.atomic
def deliveries_retry(*, delivery_ids: list[uuid.UUID]) -> int:
    """Re-send the given finished deliveries; return how many were reopened."""
    return _deliveries_reopen(delivery_ids)


def event_body(event: Event) -> bytes:
    """Return the bytes POSTed for an event: the {"type", "timestamp", "data"} envelope."""
    envelope = {"type": event.type, "timestamp": isoformat_ms(event.created_at), "data": event.data}
    return json.dumps(envelope, cls=DjangoJSONEncoder, separators=(",", ":")).encode()


def _rate_permit(endpoint: Endpoint) -> bool:
    """Return True when the endpoint's per-second limit allows one more delivery now (Redis counter)."""
    redis = get_redis()
    if not endpoint.rate_limit or redis is None:
        return True
    key = f"wh:rl:{endpoint.id}:{int(time.time())}"
    try:
        pipe = redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, 2)
        count, _ = pipe.execute()
    except RedisError:
        # The limit protects the subscriber, not the hub: without Redis, send rather than stall the batch.
        logger.warning("webhook rate limit unavailable; sending unthrottled", extra={"endpoint_id": str(endpoint.id)})
        return True
    return int(count) <= endpoint.rate_limit


def _commit_without_flush_wait() -> None:
    """Let the current transaction commit without waiting for the WAL flush (PostgreSQL).

    Delivery bookkeeping is at-least-once already: should PostgreSQL crash in the few
    milliseconds after such a commit, a claim or result is forgotten and the delivery is
    sent again, which receivers dedupe by webhook-id. Waiting for two flushes per delivery
    was the largest cost measured (two of 1-3 ms each on this machine's disk).
    """
    if settings.WEBHOOK_ASYNC_COMMIT and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def delivery_attempt(*, delivery_id: uuid.UUID | str, force: bool = False, allow_retry: bool = True) -> Attempt | None:
    """Attempt one delivery now if it is due and unclaimed; return its attempt, or None when nothing was sent."""
    attempts = deliveries_attempt(delivery_ids=[delivery_id], force=force, allow_retry=allow_retry)
    return attempts[0] if attempts else None


_send_pool: ThreadPoolExecutor | None = None


def _sender() -> ThreadPoolExecutor:
    # Created lazily, so each prefork child gets its own threads after the fork.
    global _send_pool
    if _send_pool is None:
        _send_pool = ThreadPoolExecutor(max_workers=settings.WEBHOOK_TASK_BATCH, thread_name_prefix="webhook-send")
    return _send_pool


def _send(delivery: Delivery) -> client.HttpResult:
    """POST one delivery; never raises, so one delivery's failure cannot leave its batch unrecorded.

    A custom header that cannot travel (stored before registration checked them) is a
    permanent failure naming the header; any other exception is a retryable attempt whose
    error names only its type (the message may quote a header value, i.e. a secret).
    """
    started = time.monotonic()
    endpoint = delivery.endpoint
    custom = endpoint.headers if isinstance(endpoint.headers, dict) else {}
    for name, value in custom.items():
        problem = header_problem(name, value)
        if problem:
            return client.HttpResult(
                status_code=None,
                body="",
                headers={},
                duration_ms=0,
                error=f"Not sent: {problem}",
                error_kind=INVALID_REQUEST,
            )
    try:
        body = event_body(delivery.event)
        headers = {
            **custom,
            **signing.headers(
                endpoint.signing_secrets(), msg_id=delivery.event.message_id, timestamp=int(time.time()), body=body
            ),
        }
        return client.post(endpoint.url, body=body, headers=headers)
    except Exception as exc:  # any failure of one delivery becomes its recorded attempt
        logger.warning(
            "webhook delivery raised while sending",
            extra={"delivery_id": str(delivery.id), "error_type": type(exc).__name__},
        )
        return client.HttpResult(
            status_code=None,
            body="",
            headers={},
            duration_ms=int((time.monotonic() - started) * 1000),
            error=f"Internal error while sending ({type(exc).__name__}); the attempt will be retried.",
            error_kind=INTERNAL_ERROR,
        )


def deliveries_attempt(
    *, delivery_ids: list[uuid.UUID | str], force: bool = False, allow_retry: bool = True
) -> list[Attempt]:
    """Claim the due deliveries among these ids, POST each once (concurrently), and record the attempts.

    The claim is a conditional UPDATE (open, due, no live claim) that sets a token and a
    lease, so two workers never send the same attempt; a worker that dies mid-send leaves
    an expired lease that the sweeper re-enqueues. Only the token's holder records the
    outcome. `force` sends to an endpoint that is not active (the test action).
    """
    now = timezone.now()
    token = uuid.uuid4()
    with transaction.atomic():
        _commit_without_flush_wait()
        claimed = (
            Delivery.objects.filter(
                id__in=delivery_ids,
                status__in=Delivery.OPEN_STATUSES,
                next_attempt_at__lte=now + timedelta(seconds=1),
            )
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .update(
                claim_token=token,
                claimed_until=now + timedelta(seconds=settings.WEBHOOK_CLAIM_LEASE),
                attempt_count=F("attempt_count") + 1,
                updated_at=now,
            )
        )
        if not claimed:
            return []  # not due, finished, gone, or another worker holds them
        deliveries = list(
            Delivery.objects.filter(id__in=delivery_ids, claim_token=token)
            .select_related("endpoint", "event")
            .order_by("id")
        )

    # A delivery claimed more often than its endpoint allows attempts lost its outcomes (a worker
    # killed mid-send, again and again): it ends here instead of being claimed forever.
    exhausted = [d for d in deliveries if d.attempt_count > d.endpoint.max_retries + 1 and not force]
    if exhausted:
        Delivery.objects.filter(id__in=[d.id for d in exhausted], claim_token=token).update(
            status=Delivery.Status.FAILED,
            attempt_count=F("attempt_count") - 1,
            next_attempt_at=None,
            claim_token=None,
            claimed_until=None,
            last_error="Gave up: the delivery was claimed more times than its endpoint allows attempts.",
            updated_at=timezone.now(),
        )
        deliveries = [d for d in deliveries if d not in exhausted]
    paused = [d for d in deliveries if not d.endpoint.is_active() and not force]
    if paused:
        Delivery.objects.filter(id__in=[d.id for d in paused], claim_token=token).update(
            status=Delivery.Status.FAILED,
            attempt_count=F("attempt_count") - 1,
            next_attempt_at=None,
            claim_token=None,
            claimed_until=None,
            last_error="Not sent: the endpoint is disabled.",
            updated_at=timezone.now(),
        )
    ready = [d for d in deliveries if d not in paused]
    limited = [d for d in ready if not _rate_permit(d.endpoint)]
    if limited:
        later = timezone.now() + timedelta(seconds=1)
        ids = [d.id for d in limited]
        Delivery.objects.filter(id__in=ids, claim_token=token).update(
            attempt_count=F("attempt_count") - 1,
            next_attempt_at=later,
            enqueued_at=later,
            claim_token=None,
            claimed_until=None,
        )
        deliveries_enqueue(ids, countdown=1)
    sending = [d for d in ready if d not in limited]
    if not sending:
        return []
    # One thread per delivery (a batch is at most WEBHOOK_TASK_BATCH), so a batch lasts one timeout at most.
    results = [_send(sending[0])] if len(sending) == 1 else list(_sender().map(_send, sending))
    return _attempts_record(outcomes=list(zip(sending, results, strict=True)), token=token, allow_retry=allow_retry)


@transaction.atomic
def _attempts_record(
    *, outcomes: list[tuple[Delivery, client.HttpResult]], token: uuid.UUID, allow_retry: bool
) -> list[Attempt]:
    now = timezone.now()
    _commit_without_flush_wait()
    attempts = Attempt.objects.bulk_create(
        [
            Attempt(
                delivery=delivery,
                number=delivery.attempt_count,
                success=result.ok,
                status_code=result.status_code,
                duration_ms=result.duration_ms,
                error=result.error[:2000],
                response_body=result.body,
                created_at=now,
            )
            for delivery, result in outcomes
        ]
    )
    succeeded: set[uuid.UUID] = set()
    failures: Counter[uuid.UUID] = Counter()
    gone: set[uuid.UUID] = set()
    endpoints = {delivery.endpoint_id: delivery.endpoint for delivery, _ in outcomes}
    same_outcome: defaultdict[tuple, list[uuid.UUID]] = defaultdict(list)
    for delivery, result in outcomes:
        endpoint = delivery.endpoint
        updates: dict[str, Any] = {
            "claim_token": None,
            "claimed_until": None,
            "last_status_code": result.status_code,
            "last_error": result.error[:2000] if result.error else ("" if result.ok else f"HTTP {result.status_code}"),
            "updated_at": now,
        }
        countdown: float | None = None
        if result.ok:
            succeeded.add(endpoint.id)
            updates.update(status=Delivery.Status.SUCCESS, delivered_at=now, next_attempt_at=None)
        else:
            failures[endpoint.id] += 1
            if result.status_code == 410:
                gone.add(endpoint.id)
            if (
                allow_retry
                and result.status_code != 410
                and retries.is_retryable(status_code=result.status_code, error_kind=result.error_kind)
                and delivery.attempt_count <= endpoint.max_retries
            ):
                delay = retries.retry_delay(
                    retry_number=delivery.attempt_count, retry_after=result.headers.get("retry-after")
                )
                due = now + timedelta(seconds=delay)
                # Near retries ride the broker with a countdown; far ones wait for the sweeper (no long ETAs).
                countdown = delay if delay <= settings.WEBHOOK_COUNTDOWN_MAX else None
                updates.update(
                    status=Delivery.Status.RETRYING,
                    next_attempt_at=due,
                    enqueued_at=due if countdown is not None else None,
                )
            else:
                updates.update(status=Delivery.Status.FAILED, next_attempt_at=None)
        if countdown is not None:
            recorded = Delivery.objects.filter(id=delivery.id, claim_token=token).update(**updates) == 1
            if recorded:
                transaction.on_commit(partial(deliveries_enqueue, [delivery.id], countdown=countdown))
        else:
            same_outcome[tuple(sorted(updates.items()))].append(delivery.id)
    # Deliveries with the same outcome (typically a whole event's, all 2xx) share one UPDATE.
    for items, ids in same_outcome.items():
        Delivery.objects.filter(id__in=ids, claim_token=token).update(**dict(items))

    # Endpoint rows are updated in id order: concurrent batches sharing endpoints would otherwise deadlock.
    for endpoint_id, endpoint in sorted(endpoints.items(), key=lambda item: str(item[0])):
        if endpoint_id in succeeded and endpoint_id not in gone:
            _endpoint_succeeded(endpoint, now)
        else:
            _endpoint_failed(endpoint, now, count=failures[endpoint_id], gone=endpoint_id in gone)
    return attempts


def _endpoint_succeeded(endpoint: Endpoint, now: datetime) -> None:
    # Skip the write when nothing changes, so a busy endpoint's row is not updated per delivery.
    recent = endpoint.last_success_at is not None and endpoint.last_success_at > now - timedelta(seconds=1)
    if endpoint.failure_count == 0 and recent:
        return
    Endpoint.objects.filter(id=endpoint.id).filter(
        Q(failure_count__gt=0) | Q(last_success_at__isnull=True) | Q(last_success_at__lt=now - timedelta(seconds=1))
    ).update(failure_count=0, failing_since=None, last_success_at=now, last_triggered_at=now)


def _endpoint_failed(endpoint: Endpoint, now: datetime, *, count: int, gone: bool) -> None:
    Endpoint.objects.filter(id=endpoint.id).update(
        failure_count=F("failure_count") + count,
        failing_since=Coalesce("failing_since", Value(now)),
        last_triggered_at=now,
    )
    if gone:
        reason = "The endpoint answered 410 Gone."
    else:
        reason = f"Every attempt failed for {settings.WEBHOOK_DISABLE_AFTER_SECONDS // 3600} hours."
    disabling = Endpoint.objects.filter(id=endpoint.id, status=Endpoint.Status.ACTIVE)
    if not gone:
        threshold = now - timedelta(seconds=settings.WEBHOOK_DISABLE_AFTER_SECONDS)
        disabling = disabling.filter(failing_since__lte=threshold)
    if disabling.update(status=Endpoint.Status.FAILED, disabled_reason=reason, disabled_at=now, updated_at=now) == 1:
        _log_disabled(endpoint_id=endpoint.id, company_id=endpoint.company_id, name=endpoint.name, reason=reason)


def deliveries_sweep(*, limit: int | None = None) -> int:
    """Re-enqueue deliveries that are due but have no live message: lost, stuck or scheduled far ahead.

    Rows are claimed with SELECT … FOR UPDATE SKIP LOCKED and a conditional update of
    enqueued_at, so two sweepers never enqueue the same delivery; a worker's own claim
    still decides who sends. Messages are formed per endpoint, so a batch never mixes
    tenants. Returns how many were enqueued.
    """
    now = timezone.now()
    silent_since = now - timedelta(seconds=settings.WEBHOOK_SWEEP_GRACE)
    due = (
        Delivery.objects.filter(status__in=Delivery.OPEN_STATUSES, next_attempt_at__lte=now)
        .filter(
            Q(claimed_until__lt=now)  # stuck: the claiming worker died or hung past its lease
            | Q(claimed_until__isnull=True) & (Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=silent_since))
        )
        .order_by("next_attempt_at")
    )
    with transaction.atomic():
        rows = list(
            due.select_for_update(skip_locked=True).values_list("id", "endpoint_id")[
                : limit or settings.WEBHOOK_SWEEP_BATCH
            ]
        )
        if not rows:
            return 0
        Delivery.objects.filter(id__in=[delivery_id for delivery_id, _ in rows]).update(
            enqueued_at=now, claim_token=None, claimed_until=None, updated_at=now
        )
        transaction.on_commit(lambda: deliveries_enqueue_by_endpoint(rows))
    logger.info("webhook sweeper re-enqueued deliveries", extra={"count": len(rows)})
    return len(rows)
