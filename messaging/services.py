"""Writes of messaging: create (validate, render, queue), deliver through the provider chain, provider reports."""

import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.html import strip_tags

from core.circuit import Circuit
from core.errors import InvalidInput
from core.idempotency import NO_KEY, IdempotencyKey, replay
from core.phones import InvalidPhone, to_e164
from integrations.models import Integration
from logs.services import LogEntry, log_record_many
from messaging import rendering, selectors
from messaging.models import Channel, Message, MessageAttempt, MessageTemplate, MessagingRoute
from messaging.providers import adapter_for, channel_providers
from messaging.providers.base import Outgoing, SendError
from webhooks.services import event_publish

logger = logging.getLogger(__name__)

EMAIL_MAX_RECIPIENTS = 50
SMS_MAX_CHARS = 1600  # Twilio's limit for one message body
_email = EmailValidator()


class MessageValidationError(InvalidInput):
    """400: the message, template or route is invalid; `details` maps camelCase field names to messages."""

    def __init__(self, details: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in details.items()), details=details)


@dataclass
class MessageInput:
    """A message as a caller asks for it: content given directly or through a template."""

    channel: str
    to: list[str]
    subject: str = ""
    body_text: str = ""
    body_html: str = ""
    template_name: str = ""
    context: dict[str, Any] = field(default_factory=dict)
    priority: str = "normal"


@dataclass(frozen=True)
class CreateResult:
    message: Message
    created: bool


# --- validation and rendering ----------------------------------------------------------------


def phone_clean(raw: str) -> str:
    """Return the number in E.164, or raise MessageValidationError."""
    try:
        return to_e164(raw)
    except InvalidPhone:
        raise MessageValidationError(
            {"to": f'"{raw}" is not a valid phone number in E.164 format (e.g. +14155550100).'}
        )


def recipients_clean(*, channel: str, to: list[str]) -> list[str]:
    """Return the recipients normalised for the channel, or raise MessageValidationError."""
    to = [str(t).strip() for t in to if str(t).strip()]
    if channel == Channel.SMS:
        if len(to) != 1:
            raise MessageValidationError({"to": "An SMS has exactly one recipient phone number."})
        return [phone_clean(to[0])]
    if channel == Channel.EMAIL:
        if not to:
            raise MessageValidationError({"to": "At least one email address is required."})
        if len(to) > EMAIL_MAX_RECIPIENTS:
            raise MessageValidationError({"to": f"At most {EMAIL_MAX_RECIPIENTS} recipients per email."})
        for address in to:
            try:
                _email(address)
            except DjangoValidationError:
                raise MessageValidationError({"to": f'"{address}" is not a valid email address.'})
        return list(dict.fromkeys(a.lower() for a in to))
    if len(to) > 1:
        raise MessageValidationError({"to": "A chat message goes to one channel."})
    if to and (len(to[0]) > 80 or any(c.isspace() for c in to[0])):
        raise MessageValidationError({"to": "A chat channel is a name such as #alerts or an id such as C0123456."})
    return to  # empty: the integration's default channel


def content_render(*, company_id: UUID, data: MessageInput) -> tuple[str, str, str, MessageTemplate | None]:
    """Return (subject, text, html, company template) for the input, or raise MessageValidationError."""
    subject, text, html, own = data.subject, data.body_text, data.body_html, None
    if data.template_name:
        template = selectors.template_resolve(company_id=company_id, name=data.template_name, channel=data.channel)
        if template is None:
            raise MessageValidationError(
                {"template": f'Unknown template "{data.template_name}" for the {data.channel} channel.'}
            )
        own = template if isinstance(template, MessageTemplate) else None
        try:
            subject = subject or rendering.render(template.subject, data.context)
            text = text or rendering.render(template.body_text, data.context)
            html = html or rendering.render(template.body_html, data.context, html=True)
        except rendering.TemplateError as exc:
            raise MessageValidationError({"context": str(exc)})
    subject = " ".join(subject.split())  # no header injection through line breaks
    if html and not text:
        text = strip_tags(html).strip()
    if data.channel != Channel.EMAIL:
        html = ""
    if not text.strip():
        raise MessageValidationError({"message": "The message has no content: give a text or a template."})
    if data.channel == Channel.EMAIL and not subject:
        raise MessageValidationError({"subject": "An email needs a subject (or a template with one)."})
    if data.channel == Channel.SMS and len(text) > SMS_MAX_CHARS:
        raise MessageValidationError({"message": f"An SMS is at most {SMS_MAX_CHARS} characters."})
    return subject, text, html, own


# --- create -----------------------------------------------------------------------------------


def _enqueue(message_id: UUID) -> None:
    from messaging import tasks  # tasks import services

    try:
        tasks.message_send.delay(str(message_id))
    except Exception:  # the message is stored: the requeue sweep sends it later
        logger.exception("Could not enqueue message %s; the requeue sweep will", message_id)


@transaction.atomic
def message_create(
    *,
    company_id: UUID,
    data: MessageInput,
    idempotency: IdempotencyKey = NO_KEY,
    created_by: str = "",
    source: str = "api",
    enqueue: bool = True,
) -> CreateResult:
    """Validate, render and queue a message; sending happens in the worker after commit.

    The same Idempotency-Key with the same body returns the first message; with another
    body it raises core.idempotency.IdempotencyKeyReused (422).
    """
    messages = Message.objects.filter(company_id=company_id)
    first = replay(messages, idempotency, name="messageId")
    if first is not None:
        return CreateResult(first, created=False)
    recipients = recipients_clean(channel=data.channel, to=data.to)
    subject, text, html, template = content_render(company_id=company_id, data=data)
    message = Message(
        company_id=company_id,
        channel=data.channel,
        recipients=recipients,
        subject=subject,
        body_text=text,
        body_html=html,
        template=template,
        template_name=data.template_name,
        context=data.context,
        priority=data.priority,
        source=source,
        created_by=created_by,
        **idempotency.stored(),
        next_attempt_at=timezone.now(),
    )
    try:
        with transaction.atomic():  # a concurrent request with the same key wins; we return its message
            message.save(force_insert=True)
    except IntegrityError:
        first = replay(messages, idempotency, name="messageId")
        if first is None:
            raise
        return CreateResult(first, created=False)
    if enqueue:
        transaction.on_commit(lambda: _enqueue(message.id))
    return CreateResult(message, created=True)


# --- deliver ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliverOutcome:
    status: str  # sent, failed, queued (a retry is due), skipped (gone, done, or claimed elsewhere)
    retry_in: int | None = None


def _event_data(message: Message) -> dict[str, Any]:
    data = {
        "messageId": str(message.id),
        "channel": message.channel,
        "provider": message.provider,
        "to": message.recipients[0] if message.recipients else "",
        "recipients": message.recipients,
        "status": message.status,
        "providerMessageId": message.provider_message_id,
    }
    if message.error:
        data["error"] = message.error[:500]
    return data


def _publish(message: Message) -> None:
    event_publish(
        message.company_id,
        f"message.{message.status}",
        _event_data(message),
        idempotency_key=f"message.{message.status}:{message.id}",
    )


def _try_chain(message: Message, chain: list[Integration]) -> list[MessageAttempt]:
    """Try each integration in order until one sends or one rejects the message; network only, no writes."""
    outgoing = Outgoing(
        message_id=str(message.id),
        channel=message.channel,
        recipients=list(message.recipients),
        subject=message.subject,
        body_text=message.body_text,
        body_html=message.body_html,
    )
    attempts: list[MessageAttempt] = []
    for integration in chain:
        attempt = MessageAttempt(
            message=message,
            run=message.send_runs,
            provider=integration.provider,
            integration=integration,
            integration_name=integration.name,
            attempted_at=timezone.now(),
        )
        circuit = Circuit(message.company_id, integration.provider)
        if not circuit.allow():
            # A provider failing again and again is skipped for its cool-down instead of costing a timeout.
            attempt.outcome = MessageAttempt.Outcome.RETRYABLE
            wait = circuit.retry_in()
            attempt.error = f"Skipped: {integration.provider} failed repeatedly; tried again in {wait:.0f} s."
            attempts.append(attempt)
            continue
        started = time.monotonic()
        try:
            values = {**integration.values(), "_integrationId": str(integration.id)}
            result = adapter_for(integration.provider)(values, outgoing)
        except SendError as exc:
            attempt.outcome, attempt.error, attempt.status_code = exc.kind, str(exc)[:4000], exc.status_code
        except Exception as exc:  # an adapter bug or an unexpected library error: try the next provider
            logger.exception("Messaging adapter %s failed", integration.provider)
            attempt.outcome = MessageAttempt.Outcome.PROVIDER
            attempt.error = f"{type(exc).__name__}: {exc}"[:4000]
        else:
            attempt.outcome = MessageAttempt.Outcome.SENT
            attempt.provider_message_id = result.provider_message_id[:255]
            attempt.status_code = result.status_code
        attempt.duration_ms = int((time.monotonic() - started) * 1000)
        if attempt.outcome == MessageAttempt.Outcome.RETRYABLE:
            circuit.record_failure()
        elif attempt.outcome != MessageAttempt.Outcome.PROVIDER:
            circuit.record_success()  # it answered (sent, or refused this message): it is alive
        attempts.append(attempt)
        if attempt.outcome in (MessageAttempt.Outcome.SENT, MessageAttempt.Outcome.REJECTED):
            break
    return attempts


def _attempt_log(message: Message, attempt: MessageAttempt) -> LogEntry:
    ok = attempt.outcome == MessageAttempt.Outcome.SENT
    text = (
        f"{message.channel} message sent via {attempt.provider}."
        if ok
        else f"{message.channel} message not sent via {attempt.provider} ({attempt.outcome}): {attempt.error[:300]}"
    )
    return LogEntry(
        company_id=message.company_id,
        integration_type=attempt.provider,
        integration_id=attempt.integration_id,
        operation="export",
        status="success" if ok else "error",
        message=text,
        error_details=None if ok else {"error": attempt.error, "outcome": attempt.outcome, "code": attempt.status_code},
        metadata={
            "messageId": str(message.id),
            "channel": message.channel,
            "run": attempt.run,
            "durationMs": attempt.duration_ms,
            "providerMessageId": attempt.provider_message_id,
        },
        timestamp=attempt.attempted_at,
    )


@transaction.atomic
def _deliver_record(message: Message, attempts: list[MessageAttempt], *, allow_retry: bool) -> DeliverOutcome:
    """Store the attempts, the new status, its event and logs in one transaction."""
    now = timezone.now()
    MessageAttempt.objects.bulk_create(attempts)
    log_record_many([_attempt_log(message, a) for a in attempts])
    last = attempts[-1] if attempts else None
    if last is not None:
        message.provider, message.integration_id = last.provider, last.integration_id
    outcome: DeliverOutcome
    if last is not None and last.outcome == MessageAttempt.Outcome.SENT:
        message.status, message.sent_at, message.error = Message.Status.SENT, now, ""
        message.provider_message_id = last.provider_message_id
        outcome = DeliverOutcome("sent")
    else:
        message.error = last.error if last else f"No active {message.channel} integration is connected."
        retryable = any(a.outcome == MessageAttempt.Outcome.RETRYABLE for a in attempts) and not any(
            a.outcome == MessageAttempt.Outcome.REJECTED for a in attempts
        )
        if allow_retry and retryable and message.send_runs < settings.MESSAGING_SEND_MAX_RUNS:
            backoff = settings.MESSAGING_RETRY_BACKOFF
            delay = backoff[min(message.send_runs, len(backoff)) - 1]
            message.status, message.next_attempt_at = Message.Status.QUEUED, now + timedelta(seconds=delay)
            outcome = DeliverOutcome("queued", retry_in=delay)
        else:
            message.status, message.failed_at = Message.Status.FAILED, now
            outcome = DeliverOutcome("failed")
    message.claimed_at = None
    message.save(
        update_fields=[
            "status",
            "provider",
            "integration",
            "provider_message_id",
            "error",
            "sent_at",
            "failed_at",
            "next_attempt_at",
            "claimed_at",
            "updated_at",
        ]
    )
    if message.status in (Message.Status.SENT, Message.Status.FAILED):
        _publish(message)
    return outcome


def message_deliver(*, message_id: UUID | str, allow_retry: bool = True) -> DeliverOutcome:
    """Claim a queued message and send it through the company's provider chain, failing over in order.

    A claim is a conditional update, so two workers never send one message; a claim older than
    the sweep grace (a worker died mid-send) can be taken over.
    """
    now = timezone.now()
    stale = now - timedelta(seconds=settings.MESSAGING_SWEEP_GRACE_SECONDS)
    claimed = (
        Message.objects.filter(id=message_id)
        .filter(Q(status=Message.Status.QUEUED) | Q(status=Message.Status.SENDING, claimed_at__lt=stale))
        .update(status=Message.Status.SENDING, claimed_at=now, send_runs=F("send_runs") + 1, updated_at=now)
    )
    if claimed != 1:
        return DeliverOutcome("skipped")
    message = Message.objects.get(id=message_id)
    chain = selectors.provider_chain(company_id=message.company_id, channel=message.channel)
    attempts = _try_chain(message, chain)
    return _deliver_record(message, attempts, allow_retry=allow_retry)


def message_send_test(*, company_id: UUID, data: MessageInput, created_by: str = "") -> Message:
    """Send a message now, in the caller's request, through the provider chain (no later retries)."""
    message = message_create(
        company_id=company_id, data=data, created_by=created_by, source="test", enqueue=False
    ).message
    message_deliver(message_id=message.id, allow_retry=False)
    return selectors.message_get(company_id=company_id, message_id=message.id)


@transaction.atomic
def messages_retry(*, company_id: UUID | None = None, message_ids: list[UUID | str]) -> int:
    """Queue failed messages again for a fresh pass through the chain (an operator's action)."""
    qs = Message.objects.filter(id__in=message_ids, status=Message.Status.FAILED)
    if company_id is not None:
        qs = qs.filter(company_id=company_id)
    ids = list(qs.values_list("id", flat=True))
    qs.update(status=Message.Status.QUEUED, send_runs=0, failed_at=None, next_attempt_at=timezone.now())
    for message_id in ids:
        transaction.on_commit(lambda m=message_id: _enqueue(m))
    return len(ids)


def messages_requeue(*, grace_seconds: int) -> int:
    """Enqueue again messages whose broker message looks lost; returns how many."""
    ids = selectors.messages_due(grace_seconds=grace_seconds)
    for message_id in ids:
        _enqueue(message_id)
    return len(ids)


# --- provider reports (inbound status callbacks) ---------------------------------------------


@transaction.atomic
def message_status_report(
    *,
    company_id: UUID,
    provider: str,
    provider_message_id: str = "",
    message_id: str = "",
    status: str,
    error: str = "",
) -> bool:
    """Apply a provider's delivered/failed report; repeated or late reports change nothing.

    Returns True when the message's status changed. Delivered and failed are final.
    """
    qs = Message.objects.select_for_update().filter(company_id=company_id)
    message = None
    if message_id:
        try:
            message = qs.filter(id=UUID(message_id)).first()
        except ValueError:
            message = None
    if message is None and provider_message_id:
        message = qs.filter(provider=provider, provider_message_id=provider_message_id).first()
    if message is None or message.is_final():
        return False
    now = timezone.now()
    if status == Message.Status.DELIVERED:
        message.status, message.delivered_at = Message.Status.DELIVERED, now
    elif status == Message.Status.FAILED:
        message.status, message.failed_at, message.error = Message.Status.FAILED, now, error[:4000]
    else:
        return False
    message.save(update_fields=["status", "delivered_at", "failed_at", "error", "updated_at"])
    _publish(message)
    return True


# --- templates and routes ---------------------------------------------------------------------

_TEMPLATE_FIELDS = ("name", "channel", "description", "subject", "body_text", "body_html", "sample_context")


def _template_validate(template: MessageTemplate) -> None:
    errors = {}
    # Errors are keyed by the API's names (text, html) for the 400's details.
    for key, name, html in (("subject", "subject", False), ("text", "body_text", False), ("html", "body_html", True)):
        try:
            rendering.template_check(getattr(template, name), html=html)
        except rendering.TemplateError as exc:
            errors[key] = str(exc)
    if not (template.body_text or template.body_html):
        errors["text"] = "A template needs a text or an HTML body."
    if template.channel != Channel.EMAIL and template.body_html:
        errors["html"] = "Only email templates have an HTML body."
    if errors:
        raise MessageValidationError(errors)
    taken = MessageTemplate.objects.filter(company_id=template.company_id, name=template.name, channel=template.channel)
    if taken.exclude(id=template.id).exists():
        raise MessageValidationError({"name": f'A {template.channel} template named "{template.name}" exists.'})


@transaction.atomic
def template_create(*, company_id: UUID, data: dict[str, Any]) -> MessageTemplate:
    template = MessageTemplate(company_id=company_id, **{k: v for k, v in data.items() if k in _TEMPLATE_FIELDS})
    _template_validate(template)
    template.save(force_insert=True)
    return template


@transaction.atomic
def template_update(*, template: MessageTemplate, data: dict[str, Any]) -> MessageTemplate:
    for key, value in data.items():
        if key in _TEMPLATE_FIELDS:
            setattr(template, key, value)
    _template_validate(template)
    template.save()
    return template


@transaction.atomic
def template_delete(*, template: MessageTemplate) -> None:
    template.delete()


def template_preview(*, template: MessageTemplate, context: dict[str, Any] | None = None) -> dict[str, str]:
    """Return the template rendered with `context` (default: its sample context)."""
    ctx = template.sample_context if context is None else context
    try:
        return {
            "subject": rendering.render(template.subject, ctx),
            "body_text": rendering.render(template.body_text, ctx),
            "body_html": rendering.render(template.body_html, ctx, html=True),
        }
    except rendering.TemplateError as exc:
        raise MessageValidationError({"data": str(exc)})


@transaction.atomic
def routes_set(*, company_id: UUID, channel: str, integration_ids: list[UUID]) -> list[MessagingRoute]:
    """Replace a channel's provider order with `integration_ids` (first tried first)."""
    integrations = {
        i.id: i
        for i in Integration.objects.filter(
            company_id=company_id, id__in=integration_ids, provider__in=channel_providers(channel)
        )
    }
    unknown = [str(i) for i in integration_ids if i not in integrations]
    if unknown:
        raise MessageValidationError(
            {"integrationIds": f"Not this company's {channel} integrations: {', '.join(unknown)}."}
        )
    if len(set(integration_ids)) != len(integration_ids):
        raise MessageValidationError({"integrationIds": "An integration appears twice."})
    MessagingRoute.objects.filter(company_id=company_id, channel=channel).delete()
    return MessagingRoute.objects.bulk_create(
        [
            MessagingRoute(company_id=company_id, channel=channel, integration=integrations[i], priority=n)
            for n, i in enumerate(integration_ids)
        ]
    )
