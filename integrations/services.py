"""Writes of the integrations app: integrations, health checks, inbound events and their processing."""

import logging
import traceback
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.datastructures import CaseInsensitiveMapping

from accounts.ratelimit import rate_limit_hit
from core import outbound
from core.errors import Conflict, InvalidInput
from integrations.configuration import config_merge
from integrations.inbound import lookup
from integrations.inbound.lookup import InboundTarget
from integrations.inbound.registry import InboundMessage, Rejected, handlers_for
from integrations.models import InboundEvent, Integration
from integrations.providers import all_providers, get_provider
from integrations.providers.base import CheckResult, InboundRequest, ParsedEvent
from logs.redaction import redact
from logs.services import LogEntry, log_record, log_record_many

logger = logging.getLogger(__name__)


def _provider_or_400(provider: str):
    try:
        return get_provider(provider)
    except KeyError:
        raise InvalidInput(
            details={"provider": f"Unknown provider {provider!r}; allowed: {', '.join(all_providers())}."}
        )


def _config_checked(*, provider, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return config_merge's (config, credentials), refusing URLs that carry user:password@ and bad ports.

    Credentials have their own secret fields (encrypted, masked); in a URL they would be
    stored, shown and repeated in errors in clear. A port outside 1..65535 would only fail
    later, at every send.
    """
    plain, secrets = config_merge(provider=provider, **kwargs)
    errors = {}
    for spec in provider.fields:
        value = plain.get(spec.name)
        if spec.kind == "url" and isinstance(value, str) and _has_userinfo(value):
            errors[spec.name] = (
                f"{spec.label}: the URL may not carry a user name or password; use the integration's credential fields."
            )
        if spec.kind == "int" and spec.name == "port" and value is not None and not 1 <= value <= 65535:
            errors[spec.name] = f"{spec.label}: must be between 1 and 65535."
    if errors:
        raise InvalidInput(details={"config": errors})
    return plain, secrets


def _has_userinfo(url: str) -> bool:
    try:
        return "@" in urlsplit(url).netloc
    except ValueError:
        return False  # config_merge has already refused anything that is not a valid URL


def _name_taken(*, company_id: UUID, name: str, exclude_id: UUID | None = None) -> bool:
    qs = Integration.objects.filter(company_id=company_id, name__iexact=name)
    if exclude_id is not None:
        qs = qs.exclude(id=exclude_id)
    return qs.exists()


def _conflict(name: str) -> Conflict:
    return Conflict("An integration with this name already exists.", details={"name": name})


@transaction.atomic
def integration_create(
    *,
    company_id: UUID,
    name: str,
    provider: str,
    config: dict[str, Any],
    status: str = Integration.Status.ACTIVE,
    user_id: int | None = None,
) -> Integration:
    """Create an integration after validating its config against the provider's fields."""
    spec = _provider_or_400(provider)
    plain, secrets = _config_checked(provider=spec, incoming=config)
    if _name_taken(company_id=company_id, name=name):
        raise _conflict(name)
    try:
        with transaction.atomic():
            integration = Integration.objects.create(
                company_id=company_id,
                name=name,
                provider=spec.key,
                category=spec.category,
                status=status,
                config=plain,
                credentials=secrets,
                created_by_id=user_id,
            )
    except IntegrityError:
        raise _conflict(name)  # a concurrent create won the race
    log_record(
        company_id=company_id,
        integration_type=spec.key,
        integration_id=integration.id,
        operation="create",
        status="success",
        message=f"Integration {name!r} created.",
        user_id=user_id,
    )
    return integration


@transaction.atomic
def integration_update(
    *,
    integration: Integration,
    name: str | None = None,
    provider: str | None = None,
    config: dict[str, Any] | None = None,
    status: str | None = None,
    user_id: int | None = None,
) -> Integration:
    """Change name, config (merged; masked secrets kept) or status; the provider cannot change."""
    if provider is not None and provider != integration.provider:
        raise InvalidInput(details={"provider": "The provider of an integration cannot change; create a new one."})
    changed: list[str] = []
    if name is not None and name != integration.name:
        if _name_taken(company_id=integration.company_id, name=name, exclude_id=integration.id):
            raise _conflict(name)
        integration.name = name
        changed.append("name")
    if config is not None:
        integration.config, integration.credentials = _config_checked(
            provider=integration.provider_spec(),
            incoming=config,
            current_config=integration.config,
            current_credentials=integration.credentials,
        )
        changed.append("config")
    if status is not None and status != integration.status:
        integration.status = status
        changed.append("status")
    try:
        with transaction.atomic():
            integration.save()
    except IntegrityError:
        raise _conflict(integration.name)
    transaction.on_commit(lambda: lookup.forget(integration.id))
    log_record(
        company_id=integration.company_id,
        integration_type=integration.provider,
        integration_id=integration.id,
        operation="update",
        status="success",
        message=f"Integration {integration.name!r} updated ({', '.join(changed) or 'no changes'}).",
        metadata={"changed": changed, "status": integration.status},
        user_id=user_id,
    )
    return integration


@transaction.atomic
def integration_delete(*, integration: Integration, user_id: int | None = None) -> None:
    """Delete an integration and its inbound events; its logs stay (they outlive integrations)."""
    log_record(
        company_id=integration.company_id,
        integration_type=integration.provider,
        integration_id=integration.id,
        operation="delete",
        status="success",
        message=f"Integration {integration.name!r} deleted.",
        user_id=user_id,
    )
    integration_id = integration.id  # delete() clears the instance's pk
    transaction.on_commit(lambda: lookup.forget(integration_id))
    integration.delete()


def integration_health_check(*, integration_id: UUID, record_always: bool = True) -> CheckResult | None:
    """Run the provider's connection check now (outside any transaction) and store the result.

    Returns None when the integration is gone. A log is recorded for every manual check,
    and for scheduled checks only when the health changes, so the log is not flooded.
    """
    integration = Integration.objects.filter(id=integration_id).first()
    if integration is None:
        return None
    spec = integration.provider_spec()
    try:
        result = spec.check(integration.values())
    except Exception as exc:  # a provider module's bug must not kill the beat sweep
        # The traceback is kept for whoever fixes the module, with URLs in it redacted.
        trace = outbound.redact("".join(traceback.format_exception(exc)), limit=20_000)
        logger.error("Connection check of %s crashed:\n%s", integration_id, trace)
        result = CheckResult("error", error=f"The check crashed: {type(exc).__name__}.")
    # A provider module may name the URL it called: never store or log it with userinfo or query values.
    result = replace(result, error=outbound.redact(result.error, limit=2000))
    previous = integration.health_status
    Integration.objects.filter(id=integration_id).update(
        health_status=result.status,
        last_check_at=timezone.now(),
        last_check_latency_ms=result.latency_ms,
        last_check_error=result.error,
        updated_at=timezone.now(),
    )
    if record_always or previous != result.status:
        log_record(
            company_id=integration.company_id,
            integration_type=integration.provider,
            integration_id=integration.id,
            operation="sync",
            status="success" if result.status == "healthy" else "error",
            message=f"Health check: {result.status}" + (f" ({result.error})" if result.error else "."),
            metadata={"check": "health", "latencyMs": result.latency_ms, "httpStatus": result.http_status},
        )
    return result


# --- inbound events ----------------------------------------------------------------------


def inbound_rejection_record(*, target: InboundTarget, reason: str, status_code: int) -> bool:
    """Record a refused delivery (bad signature, stale timestamp, malformed body, inactive).

    At most INBOUND_REFUSAL_LOGS_PER_MINUTE per integration: the receiver is public, and a
    flood of forged deliveries must not become a flood of log rows. Returns whether it logged.
    """
    verdict = rate_limit_hit(f"inbound-refusals:{target.id}", limit=settings.INBOUND_REFUSAL_LOGS_PER_MINUTE)
    if not verdict.allowed:
        return False
    log_record(
        company_id=target.company_id,
        integration_type=target.provider,
        integration_id=target.id,
        operation="webhook",
        status="error",
        message=f"Inbound webhook refused ({status_code}): {reason}",
        error_details={"reason": reason, "statusCode": status_code},
    )
    return True


@dataclass(frozen=True)
class Receipt:
    event_id: UUID | None
    duplicate: bool


def _enqueue(event_id: UUID) -> None:
    from integrations import tasks  # tasks import services

    try:
        tasks.inbound_event_process.delay(str(event_id))
    except Exception:  # the event is stored: the requeue sweep sends it later
        logger.exception("Could not enqueue inbound event %s; the requeue sweep will", event_id)


def inbound_event_record(
    *, target: InboundTarget, parsed: ParsedEvent, request: InboundRequest, received_at: datetime
) -> Receipt:
    """Store a verified delivery once and enqueue its processing; a repeated event id stores nothing.

    The hot path is one INSERT (its own commit) and one broker message: the receipt's log is
    written by the worker with the receipt time (see inbound_event_process), and the unique
    constraint on (integration, provider event id) is the deduplication.
    """
    event = InboundEvent(
        company_id=target.company_id,
        integration_id=target.id,
        provider=target.provider,
        topic=parsed.topic[:200],
        provider_event_id=parsed.event_id[:255],
        raw_body=request.body,
        content_type=request.content_type[:120],
        headers=redact(dict(request.headers)),
        received_at=received_at,
    )
    try:
        # Inside an outer transaction (tests, callers) a savepoint keeps it usable after a
        # duplicate; on its own, the INSERT commits by itself without BEGIN/COMMIT round trips.
        if connection.in_atomic_block:
            with transaction.atomic():
                event.save(force_insert=True)
        else:
            event.save(force_insert=True)
    except IntegrityError:
        log_record(
            company_id=target.company_id,
            integration_type=target.provider,
            integration_id=target.id,
            operation="webhook",
            status="success",
            message=f"Duplicate {parsed.topic} ignored (already received).",
            metadata={"providerEventId": parsed.event_id, "topic": parsed.topic, "duplicate": True},
        )
        return Receipt(event_id=None, duplicate=True)
    transaction.on_commit(lambda: _enqueue(event.id))  # runs at once outside a transaction
    return Receipt(event_id=event.id, duplicate=False)


@dataclass(frozen=True)
class Outcome:
    status: str  # processed, ignored, failed, skipped (gone or already done)
    attempts: int = 0
    error: str = ""
    retryable: bool = True  # False when a handler rejected the payload: the same bytes fail again


def _message(event: InboundEvent) -> InboundMessage:
    body = bytes(event.raw_body)
    headers = CaseInsensitiveMapping(event.headers or {})
    request = InboundRequest(body=body, headers=headers, url="", content_type=event.content_type)
    payload = get_provider(event.provider).inbound.parse(request).payload
    return InboundMessage(
        id=event.id,
        company_id=event.company_id,
        integration_id=event.integration_id,
        provider=event.provider,
        topic=event.topic,
        provider_event_id=event.provider_event_id,
        payload=payload,
        received_at=event.received_at,
    )


@transaction.atomic
def inbound_event_process(*, event_id: UUID) -> Outcome:
    """Run the registered handlers of a received (or failed) event; claims the row so one worker runs it.

    The first attempt also writes the receipt's log, dated when the delivery arrived.
    """
    event = (
        InboundEvent.objects.select_for_update(skip_locked=True)
        .filter(id=event_id, status__in=[InboundEvent.Status.RECEIVED, InboundEvent.Status.FAILED])
        .first()
    )
    if event is None:
        return Outcome("skipped")  # gone, done, or another worker holds it
    base = {
        "company_id": event.company_id,
        "integration_type": event.provider,
        "integration_id": event.integration_id,
        "operation": "webhook",
        "metadata": {"inboundEventId": str(event.id), "topic": event.topic, "providerEventId": event.provider_event_id},
    }
    logs: list[LogEntry] = []
    rejected: list[str] = []
    if event.attempts == 0:
        logs.append(LogEntry(**base, status="success", message=f"Received {event.topic}.", timestamp=event.received_at))
    handlers = handlers_for(event.provider, event.topic)
    event.attempts += 1
    event.processed_at = timezone.now()
    event.error = ""
    if not handlers:
        event.status = InboundEvent.Status.IGNORED
        logs.append(LogEntry(**base, status="success", message=f"No handler for {event.topic}; ignored."))
    else:
        try:
            message = _message(event)
            with transaction.atomic():  # a failing handler's writes are rolled back, the failure is kept
                answers = [handler(message) for handler in handlers]
            rejected = [answer.reason for answer in answers if isinstance(answer, Rejected)]
        except Exception as exc:
            event.status = InboundEvent.Status.FAILED
            event.error = outbound.redact("".join(traceback.format_exception_only(exc)).strip(), limit=4000)
            logs.append(
                LogEntry(
                    **base,
                    status="error",
                    message=f"Processing {event.topic} failed (attempt {event.attempts}): {event.error[:300]}",
                    error_details={"error": event.error, "attempt": event.attempts},
                )
            )
        else:
            if rejected:  # the handler refused the payload (and logged why): not processed, not a success
                event.status = InboundEvent.Status.FAILED
                event.error = "; ".join(rejected)[:4000]
                logs.append(
                    LogEntry(
                        **base,
                        status="error",
                        message=f"{event.topic} was not applied: {event.error[:300]}",
                        error_details={"error": event.error, "attempt": event.attempts},
                    )
                )
            else:
                event.status = InboundEvent.Status.PROCESSED
                logs.append(
                    LogEntry(**base, status="success", message=f"Processed {event.topic} ({len(handlers)} handler(s)).")
                )
    event.save(update_fields=["status", "attempts", "processed_at", "error", "updated_at"])
    log_record_many(logs)
    return Outcome(event.status, event.attempts, event.error, retryable=not rejected)


@transaction.atomic
def inbound_event_reprocess(*, event_ids: list[UUID]) -> int:
    """Put events back to received and enqueue them again (an operator's action); returns the count."""
    ids = [str(i) for i in event_ids]
    count = InboundEvent.objects.filter(id__in=ids).update(
        status=InboundEvent.Status.RECEIVED, error="", updated_at=timezone.now()
    )
    for event_id in ids:
        transaction.on_commit(lambda event_id=event_id: _enqueue(event_id))
    return count


def inbound_events_requeue(*, older_than_seconds: int, limit: int = 500) -> int:
    """Enqueue again events still waiting well after arrival (their broker message was lost)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        InboundEvent.objects.filter(status=InboundEvent.Status.RECEIVED, received_at__lt=cutoff)
        .order_by("received_at")
        .values_list("id", flat=True)[:limit]
    )
    for event_id in ids:
        _enqueue(event_id)
    return len(ids)
