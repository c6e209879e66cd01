"""Writes of messaging: create (validate, render, queue), deliver through the provider chain, provider reports."""

import logging
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import phonenumbers
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.html import strip_tags

from accounts.ratelimit import Verdict, rate_limit_hit
from core.circuit import Circuit
from core.errors import InvalidInput, RateLimited
from core.idempotency import NO_KEY, IdempotencyKey, replay
from core.phones import InvalidPhone, to_e164
from integrations.models import Integration
from logs.services import LogEntry, log_record_many
from messaging import rendering, selectors
from messaging.models import (
    BulkJob,
    Channel,
    Message,
    MessageAttempt,
    MessageTemplate,
    MessagingRoute,
    MessagingSettings,
)
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
    # Cross-channel fallback: the recipient's address per channel and the channels to try next, in order.
    contact: dict[str, str] = field(default_factory=dict)
    fallback_channels: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CreateResult:
    message: Message
    created: bool


# --- validation and rendering ----------------------------------------------------------------


_PHONE_REASONS = {
    phonenumbers.ValidationResult.TOO_SHORT: "it is too short for",
    phonenumbers.ValidationResult.TOO_LONG: "it is too long for",
    phonenumbers.ValidationResult.INVALID_LENGTH: "its length does not fit",
    phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "its country code does not exist",
}


def phone_problem(raw: str, region: str = "") -> str:
    """Return one sentence saying why `raw` is not a usable phone number."""
    try:
        number = phonenumbers.parse(raw, region.upper() or None)
    except phonenumbers.NumberParseException:
        if not raw.strip().startswith("+") and not region:
            return (
                f'"{raw}" has no country code: send it in E.164 (e.g. +14155550100), or set the company\'s '
                'default region (PUT /api/v1/message-settings {"defaultRegion": "AE"}).'
            )
        return f'"{raw}" is not a phone number; send it in E.164, e.g. +14155550100.'
    reason = phonenumbers.is_possible_number_with_reason(number)
    code = f"+{number.country_code}"
    if reason in _PHONE_REASONS:
        why = _PHONE_REASONS[reason]
        tail = "" if reason == phonenumbers.ValidationResult.INVALID_COUNTRY_CODE else f" {code} numbers"
        return f'"{raw}" is not a valid phone number: {why}{tail}. Send it in E.164, e.g. +14155550100.'
    return (
        f'"{raw}" is not a valid phone number: {number.national_number} is not a number range in use for {code}. '
        "Send it in E.164, e.g. +14155550100."
    )


def phone_clean(raw: str, region: str = "") -> str:
    """Return the number in E.164 (national numbers read in the company's default region), or raise."""
    try:
        return to_e164(raw, region=region or None)
    except InvalidPhone:
        raise MessageValidationError({"to": phone_problem(raw, region)})


def email_clean(raw: str) -> str:
    address = str(raw).strip()
    try:
        _email(address)
    except DjangoValidationError:
        raise MessageValidationError({"to": f'"{address}" is not a valid email address.'})
    return address.lower()


def company_settings(company_id: UUID) -> MessagingSettings:
    """Return the company's messaging settings (unsaved defaults when it has none)."""
    return MessagingSettings.objects.filter(company_id=company_id).first() or MessagingSettings(company_id=company_id)


def channel_limit(settings_row: MessagingSettings, channel: str) -> int:
    """Return the company's messages per minute on `channel` (its own setting, else the default)."""
    own = getattr(settings_row, f"{channel}_per_minute", None)
    return int(own if own is not None else settings.MESSAGING_RATE_LIMITS.get(channel, 60))


def recipients_clean(*, channel: str, to: list[str], region: str = "") -> list[str]:
    """Return the recipients normalised for the channel, or raise MessageValidationError."""
    to = [str(t).strip() for t in to if str(t).strip()]
    if channel == Channel.SMS:
        if len(to) != 1:
            raise MessageValidationError(
                {"to": "An SMS has exactly one recipient phone number; send to several with `recipients`."}
            )
        return [phone_clean(to[0], region)]
    if channel == Channel.EMAIL:
        if not to:
            raise MessageValidationError({"to": "At least one email address is required."})
        if len(to) > EMAIL_MAX_RECIPIENTS:
            raise MessageValidationError({"to": f"At most {EMAIL_MAX_RECIPIENTS} recipients per email."})
        return list(dict.fromkeys(email_clean(a) for a in to))
    if len(to) > 1:
        raise MessageValidationError({"to": "A chat message goes to one channel."})
    if to and (len(to[0]) > 80 or any(c.isspace() for c in to[0])):
        raise MessageValidationError({"to": "A chat channel is a name such as #alerts or an id such as C0123456."})
    return to  # empty: the integration's default channel


def contact_clean(contact: dict[str, str], region: str = "", *, channels: Iterable[str]) -> dict[str, str]:
    """Return a recipient's addresses on `channels` (the fallback ones), each normalised; others are ignored."""
    cleaned: dict[str, str] = {}
    wanted = set(channels)
    for channel, address in contact.items():
        if not address or channel not in wanted:
            continue
        if channel == Channel.SMS:
            cleaned[channel] = phone_clean(str(address), region)
        elif channel == Channel.EMAIL:
            cleaned[channel] = email_clean(str(address))
        elif channel == Channel.CHAT:
            cleaned[channel] = str(address)[:80]
    return cleaned


def fallback_clean(*, channel: str, fallback_channels: list[str], contact: dict[str, str]) -> list[str]:
    chain = list(dict.fromkeys(c for c in fallback_channels if c != channel))
    unknown = [c for c in chain if c not in Channel.values]
    if unknown:
        raise MessageValidationError(
            {
                "fallbackChannels": f"Unknown channel(s) {', '.join(unknown)}; "
                f"must be among: {', '.join(Channel.values)}."
            }
        )
    missing = [c for c in chain if c != Channel.CHAT and not contact.get(c)]
    if missing:
        key = {"sms": "phone", "email": "email"}
        raise MessageValidationError(
            {"fallbackChannels": f"Falling back to {missing[0]} needs the recipient's {key[missing[0]]}."}
        )
    return chain


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
        except rendering.MissingVariable as exc:
            raise MessageValidationError({"data": str(exc)})
        except rendering.TemplateError as exc:
            raise MessageValidationError({"context": str(exc)})
    return (*content_finish(data.channel, subject, text, html), own)


def content_finish(channel: str, subject: str, text: str, html: str) -> tuple[str, str, str]:
    """Return (subject, text, html) tidied for the channel, or raise MessageValidationError."""
    subject = " ".join(subject.split())  # no header injection through line breaks
    if html and not text:
        text = strip_tags(html).strip()
    if channel != Channel.EMAIL:
        html = ""
    if not text.strip():
        raise MessageValidationError({"message": "The message has no content: give a text or a template."})
    if channel == Channel.EMAIL and not subject:
        raise MessageValidationError({"subject": "An email needs a subject (or a template with one)."})
    if channel == Channel.SMS and len(text) > SMS_MAX_CHARS:
        raise MessageValidationError({"message": f"An SMS is at most {SMS_MAX_CHARS} characters."})
    return subject, text, html


# --- limits -----------------------------------------------------------------------------------


def _limit_bucket(company_id: UUID | str, channel: str) -> str:
    return f"msg:{company_id}:{channel}"


def message_admit(*, company_id: UUID | str, channel: str, limit: int | None = None) -> Verdict:
    """Count one message against the company's per-channel limit (a sliding 60 s window, atomic in Redis).

    Every message is counted once, whichever endpoint sends it: single sends when they are
    accepted (a full window answers 429), bulk messages and fallback hops when the worker is
    about to send them (a full window makes them wait).
    """
    if limit is None:
        limit = channel_limit(company_settings(company_id), channel)
    return rate_limit_hit(_limit_bucket(company_id, channel), limit=limit, window_seconds=60)


def _admit_or_429(company_id: UUID, channel: str) -> None:
    verdict = message_admit(company_id=company_id, channel=channel)
    if not verdict.allowed:
        raise RateLimited(
            f"This company may send {verdict.limit} {channel} messages per minute; retry in {verdict.retry_after} s.",
            retry_after=verdict.retry_after,
        )


# --- create -----------------------------------------------------------------------------------


def _queue_of(priority: str) -> str:
    """Urgent and high-priority messages go through their own queue, ahead of normal ones and bulk backlogs."""
    return settings.MESSAGING_URGENT_QUEUE if priority in ("urgent", "high") else "messaging"


def _enqueue(message_id: UUID, priority: str = "normal") -> None:
    from messaging import tasks  # tasks import services

    try:
        tasks.message_send.apply_async((str(message_id),), queue=_queue_of(priority))
    except Exception:  # the message is stored: the requeue sweep sends it later
        logger.exception("Could not enqueue message %s; the requeue sweep will", message_id)


def _enqueue_batches(message_ids: list[UUID], priority: str = "normal", countdown: float = 0) -> None:
    from messaging import tasks  # tasks import services

    size = max(1, settings.MESSAGING_BULK_BATCH_SIZE)
    for start in range(0, len(message_ids), size):
        ids = [str(i) for i in message_ids[start : start + size]]
        try:
            tasks.messages_send_batch.apply_async((ids,), queue=_queue_of(priority), countdown=countdown or None)
        except Exception:  # stored and queued: the requeue sweep sends them later
            logger.exception("Could not enqueue a batch of %d messages; the requeue sweep will", len(ids))


@transaction.atomic
def message_create(
    *,
    company_id: UUID,
    data: MessageInput,
    idempotency: IdempotencyKey = NO_KEY,
    created_by: str = "",
    source: str = "api",
    enqueue: bool = True,
    admit: bool = False,
) -> CreateResult:
    """Validate, render and queue a message; sending happens in the worker after commit.

    With `admit`, the message is counted against the company's channel limit now and a full
    window raises RateLimited (429); otherwise the worker counts it before sending. The same
    Idempotency-Key with the same body returns the first message; with another body it raises
    core.idempotency.IdempotencyKeyReused (422).
    """
    messages = Message.objects.filter(company_id=company_id)
    first = replay(messages, idempotency, name="messageId")
    if first is not None:
        return CreateResult(first, created=False)
    region = company_settings(company_id).default_region
    recipients = recipients_clean(channel=data.channel, to=data.to, region=region)
    contact = contact_clean(data.contact, region, channels=data.fallback_channels)
    if recipients and data.channel in (Channel.EMAIL, Channel.SMS):
        contact.setdefault(data.channel, recipients[0])
    fallbacks = fallback_clean(channel=data.channel, fallback_channels=data.fallback_channels, contact=contact)
    subject, text, html, template = content_render(company_id=company_id, data=data)
    if admit:
        _admit_or_429(company_id, data.channel)
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
        contact=contact if fallbacks else {},
        fallback_channels=fallbacks,
        admitted_at=timezone.now() if admit else None,
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
        transaction.on_commit(lambda: _enqueue(message.id, message.priority))
    return CreateResult(message, created=True)


# --- bulk -------------------------------------------------------------------------------------


@dataclass
class BulkRecipient:
    """One recipient of a bulk send: the address on the job's channel, other addresses, their own data."""

    to: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    contact: dict[str, str] = field(default_factory=dict)


@dataclass
class BulkInput:
    channel: str
    recipients: list[BulkRecipient]
    subject: str = ""
    body_text: str = ""
    body_html: str = ""
    template_name: str = ""
    context: dict[str, Any] = field(default_factory=dict)  # shared data; each recipient's data wins
    priority: str = "normal"
    fallback_channels: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BulkResult:
    job: BulkJob
    created: bool


def _bulk_templates(company_id: UUID, data: BulkInput) -> tuple[Any, list[rendering.Prepared]]:
    if not data.template_name:
        return None, []
    template = selectors.template_resolve(company_id=company_id, name=data.template_name, channel=data.channel)
    if template is None:
        raise MessageValidationError(
            {"template": f'Unknown template "{data.template_name}" for the {data.channel} channel.'}
        )
    try:  # compiled once, rendered per recipient
        prepared = [
            rendering.Prepared("" if data.subject else template.subject),
            rendering.Prepared("" if data.body_text else template.body_text),
            rendering.Prepared("" if data.body_html else template.body_html, html=True),
        ]
    except rendering.TemplateError as exc:
        raise MessageValidationError({"template": str(exc)})
    return template, prepared


@transaction.atomic
def bulk_create(
    *, company_id: UUID, data: BulkInput, idempotency: IdempotencyKey = NO_KEY, created_by: str = ""
) -> BulkResult:
    """Validate and render one message per recipient (each with its own data) and queue them in batches.

    Nothing is stored unless every recipient is valid: a bad address or a missing template
    variable answers 400 naming the recipient (its index) and the problem. Sending respects
    the company's per-channel limit: batches wait for room instead of failing.
    """
    jobs = BulkJob.objects.filter(company_id=company_id)
    first = replay(jobs, idempotency, name="bulkJobId")
    if first is not None:
        return BulkResult(first, created=False)
    if not data.recipients:
        raise MessageValidationError({"recipients": "Give at least one recipient."})
    if len(data.recipients) > settings.MESSAGING_BULK_MAX_RECIPIENTS:
        raise MessageValidationError(
            {"recipients": f"At most {settings.MESSAGING_BULK_MAX_RECIPIENTS} recipients per bulk request."}
        )
    region = company_settings(company_id).default_region
    template, prepared = _bulk_templates(company_id, data)
    own = template if isinstance(template, MessageTemplate) else None
    job = BulkJob(
        company_id=company_id,
        channel=data.channel,
        template_name=data.template_name,
        priority=data.priority,
        total=len(data.recipients),
        created_by=created_by,
        **idempotency.stored(),
    )
    now = timezone.now()
    rows: list[Message] = []
    for index, recipient in enumerate(data.recipients):
        where = f"recipients[{index}]"
        context = {**data.context, **recipient.data}
        try:
            contact = contact_clean(recipient.contact, region, channels=data.fallback_channels)
            address = recipient.to or recipient.contact.get(data.channel, "")
            to = recipients_clean(channel=data.channel, to=[address] if address else [], region=region)
            if to and data.channel != Channel.CHAT:
                contact.setdefault(data.channel, to[0])
            fallbacks = fallback_clean(channel=data.channel, fallback_channels=data.fallback_channels, contact=contact)
            subject, text, html = data.subject, data.body_text, data.body_html
            if prepared:
                subject = subject or prepared[0].render(context)
                text = text or prepared[1].render(context)
                html = html or prepared[2].render(context)
            subject, text, html = content_finish(data.channel, subject, text, html)
        except MessageValidationError as exc:
            raise MessageValidationError({where: "; ".join(exc.details.values())})
        except rendering.TemplateError as exc:
            raise MessageValidationError({where: str(exc)})
        rows.append(
            Message(
                company_id=company_id,
                channel=data.channel,
                recipients=to,
                subject=subject,
                body_text=text,
                body_html=html,
                template=own,
                template_name=data.template_name,
                context=context,
                priority=data.priority,
                source="bulk",
                created_by=created_by,
                contact=contact if fallbacks else {},
                fallback_channels=fallbacks,
                next_attempt_at=now,
                bulk_job=job,
            )
        )
    try:
        with transaction.atomic():
            job.save(force_insert=True)
    except IntegrityError:
        first = replay(jobs, idempotency, name="bulkJobId")
        if first is None:
            raise
        return BulkResult(first, created=False)
    Message.objects.bulk_create(rows, batch_size=1000)
    ids = [m.id for m in rows]
    transaction.on_commit(lambda: _enqueue_batches(ids, data.priority))
    return BulkResult(job, created=True)


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
    if message.bulk_job_id:
        data["bulkJobId"] = str(message.bulk_job_id)
    if message.fallback_of_id:
        data["fallbackOf"] = str(message.fallback_of_id)
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


def _pause_key(integration_id: UUID) -> str:
    return f"messaging:pause:{integration_id}"


class ChainContext:
    """What one worker pass reuses across messages: provider chains and decrypted integration values."""

    def __init__(self) -> None:
        self.chains: dict[tuple[UUID, str], list[Integration]] = {}
        self.values: dict[UUID, dict[str, Any]] = {}
        self.limits: dict[tuple[UUID, str], int] = {}
        # Providers that answered in this pass with no failure since: their breaker is closed and
        # reset, so the next message needs no breaker round trips (a failure clears the mark).
        self.healthy: set[tuple[UUID, str]] = set()
        self.pauses: dict[UUID, float] = {}

    def paused_until(self, integration: Integration) -> float:
        if integration.id not in self.pauses:
            self.pauses[integration.id] = float(cache.get(_pause_key(integration.id)) or 0)
        return self.pauses[integration.id]

    def chain(self, company_id: UUID, channel: str) -> list[Integration]:
        key = (company_id, channel)
        if key not in self.chains:
            self.chains[key] = selectors.provider_chain(company_id=company_id, channel=channel)
        return self.chains[key]

    def values_of(self, integration: Integration) -> dict[str, Any]:
        if integration.id not in self.values:
            self.values[integration.id] = {
                **integration.values(),
                "_integrationId": str(integration.id),
                "_companyId": str(integration.company_id),
            }
        return self.values[integration.id]

    def limit(self, company_id: UUID, channel: str) -> int:
        key = (company_id, channel)
        if key not in self.limits:
            self.limits[key] = channel_limit(company_settings(company_id), channel)
        return self.limits[key]


def _try_chain(message: Message, chain: list[Integration], ctx: ChainContext | None = None) -> list[MessageAttempt]:
    """Try each integration in order until one sends or one rejects the message; network only, no writes."""
    ctx = ctx or ChainContext()
    outgoing = Outgoing(
        message_id=str(message.id),
        channel=message.channel,
        recipients=list(message.recipients),
        subject=message.subject,
        body_text=message.body_text,
        body_html=message.body_html,
        company_id=str(message.company_id),
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
        paused_until = ctx.paused_until(integration)
        if paused_until > time.time():
            # The provider answered "too many requests, come back later": we do as it asked.
            attempt.outcome = MessageAttempt.Outcome.RETRYABLE
            attempt.error = (
                f"Skipped: {integration.provider} asked us to wait {float(paused_until) - time.time():.0f} s."
            )
            attempts.append(attempt)
            continue
        circuit = Circuit(message.company_id, integration.provider)
        known_healthy = (message.company_id, integration.provider) in ctx.healthy
        if not known_healthy and not circuit.allow():
            # A provider failing again and again is skipped for its cool-down instead of costing a timeout.
            attempt.outcome = MessageAttempt.Outcome.RETRYABLE
            wait = circuit.retry_in()
            attempt.error = f"Skipped: {integration.provider} failed repeatedly; tried again in {wait:.0f} s."
            attempts.append(attempt)
            continue
        started = time.monotonic()
        retry_after = None
        try:
            result = adapter_for(integration.provider)(ctx.values_of(integration), outgoing)
        except SendError as exc:
            attempt.outcome, attempt.error, attempt.status_code = exc.kind, str(exc)[:4000], exc.status_code
            retry_after = exc.retry_after
        except Exception as exc:  # an adapter bug or an unexpected library error: try the next provider
            logger.exception("Messaging adapter %s failed", integration.provider)
            attempt.outcome = MessageAttempt.Outcome.PROVIDER
            attempt.error = f"{type(exc).__name__}: {exc}"[:4000]
        else:
            attempt.outcome = MessageAttempt.Outcome.SENT
            attempt.provider_message_id = result.provider_message_id[:255]
            attempt.status_code = result.status_code
        attempt.duration_ms = int((time.monotonic() - started) * 1000)
        attempt.retry_after = retry_after  # type: ignore[attr-defined]
        if retry_after:
            ctx.pauses[integration.id] = time.time() + retry_after
            cache.set(_pause_key(integration.id), ctx.pauses[integration.id], timeout=math.ceil(retry_after) + 1)
        if attempt.outcome == MessageAttempt.Outcome.RETRYABLE:
            ctx.healthy.discard((message.company_id, integration.provider))
            if not retry_after:  # a rate-limit answer is the provider alive and talking
                circuit.record_failure()
        elif attempt.outcome != MessageAttempt.Outcome.PROVIDER and not known_healthy:
            circuit.record_success()  # it answered (sent, or refused this message): it is alive
            ctx.healthy.add((message.company_id, integration.provider))
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


def _fallback_create(message: Message) -> Message | None:
    """Create the next hop of a failed message on its next fallback channel (in the caller's transaction)."""
    remaining = list(message.fallback_channels or [])
    while remaining:
        channel = remaining.pop(0)
        address = (message.contact or {}).get(channel, "")
        subject, text, html = message.subject, message.body_text, ""
        try:
            if message.template_name:
                template = selectors.template_resolve(
                    company_id=message.company_id, name=message.template_name, channel=channel
                )
                if template is not None:
                    subject = rendering.render(template.subject, message.context) or subject
                    text = rendering.render(template.body_text, message.context) or text
                    html = rendering.render(template.body_html, message.context, html=True)
            if channel == Channel.SMS and len(text) > SMS_MAX_CHARS:
                text = text[: SMS_MAX_CHARS - 1] + "…"
            subject, text, html = content_finish(channel, subject or message.subject, text, html)
        except (rendering.TemplateError, MessageValidationError) as exc:
            logger.info("Fallback of message %s to %s skipped: %s", message.id, channel, exc)
            continue
        hop = Message.objects.create(
            company_id=message.company_id,
            channel=channel,
            recipients=[address] if address else [],
            subject=subject,
            body_text=text,
            body_html=html,
            template_name=message.template_name,
            context=message.context,
            priority=message.priority,
            source="fallback",
            created_by=message.created_by,
            contact=message.contact,
            fallback_channels=remaining,
            fallback_of=message,
            next_attempt_at=timezone.now(),
        )
        transaction.on_commit(lambda h=hop: _enqueue(h.id, h.priority))
        return hop
    return None


_RECORD_FIELDS = [
    "status",
    "provider",
    "integration",
    "provider_message_id",
    "error",
    "sent_at",
    "failed_at",
    "next_attempt_at",
    "claimed_at",
    "admitted_at",
    "updated_at",
]


def _apply_attempts(message: Message, attempts: list[MessageAttempt], *, allow_retry: bool) -> DeliverOutcome:
    """Set the message's new status from its attempts (no writes): sent, queued for a retry, or failed."""
    now = timezone.now()
    last = attempts[-1] if attempts else None
    if last is not None:
        message.provider, message.integration_id = last.provider, last.integration_id
    message.claimed_at, message.updated_at = None, now
    if last is not None and last.outcome == MessageAttempt.Outcome.SENT:
        message.status, message.sent_at, message.error = Message.Status.SENT, now, ""
        message.provider_message_id = last.provider_message_id
        return DeliverOutcome("sent")
    message.error = last.error if last else f"No active {message.channel} integration is connected."
    retryable = any(a.outcome == MessageAttempt.Outcome.RETRYABLE for a in attempts) and not any(
        a.outcome == MessageAttempt.Outcome.REJECTED for a in attempts
    )
    # With a fallback channel, the recipient is better served by it now than by this channel in 30 min.
    may_retry = allow_retry and retryable and not message.fallback_channels
    if may_retry and message.send_runs < settings.MESSAGING_SEND_MAX_RUNS:
        backoff = settings.MESSAGING_RETRY_BACKOFF
        delay = backoff[min(message.send_runs, len(backoff)) - 1]
        waits = [a.retry_after for a in attempts if getattr(a, "retry_after", None)]
        if waits:  # the provider's own "come back in N s" is honoured
            delay = max(delay, math.ceil(min(waits)))
        message.status, message.next_attempt_at = Message.Status.QUEUED, now + timedelta(seconds=delay)
        return DeliverOutcome("queued", retry_in=delay)
    message.status, message.failed_at = Message.Status.FAILED, now
    return DeliverOutcome("failed")


def _after_record(message: Message, *, idempotent_event: bool = True) -> None:
    if message.status in (Message.Status.SENT, Message.Status.FAILED):
        if idempotent_event:
            _publish(message)
        else:
            event_publish(message.company_id, f"message.{message.status}", _event_data(message))
    if message.status == Message.Status.FAILED and message.fallback_channels:
        _fallback_create(message)


@transaction.atomic
def _deliver_record(message: Message, attempts: list[MessageAttempt], *, allow_retry: bool) -> DeliverOutcome:
    """Store the attempts, the new status, its event and logs in one transaction."""
    MessageAttempt.objects.bulk_create(attempts)
    log_record_many([_attempt_log(message, a) for a in attempts])
    outcome = _apply_attempts(message, attempts, allow_retry=allow_retry)
    message.save(update_fields=_RECORD_FIELDS)
    _after_record(message)
    return outcome


def _bulk_write(messages: list[Message]) -> None:
    """Write each message's bookkeeping fields in one pipelined executemany.

    Django's bulk_update builds a CASE per field and row, which costs more CPU than the whole
    send for a 200-message batch; one parametrized UPDATE per row, sent with executemany
    (pipelined by psycopg 3), is one round trip.
    """
    fields = [Message._meta.get_field(name) for name in _RECORD_FIELDS]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    table, pk = quote(Message._meta.db_table), quote(Message._meta.pk.column)
    sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # noqa: S608 (names from the model, values bound)
    rows = [
        [f.get_db_prep_save(getattr(m, f.attname), connection) for f in fields]
        + [Message._meta.pk.get_db_prep_value(m.id, connection)]
        for m in messages
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


@transaction.atomic
def _deliver_record_many(results: list[tuple[Message, list[MessageAttempt]]]) -> list[DeliverOutcome]:
    """The batch form of _deliver_record: a few statements per batch, plus each message's event.

    The batch's claim (one worker, one instant) makes it the only writer of these rows, so the
    events go without an idempotency lookup; a worker that dies mid-batch leaves the claim to
    go stale, and the retaken batch may publish a second message.sent (webhooks are
    at-least-once anyway).
    """
    attempts = [a for _, batch in results for a in batch]
    MessageAttempt.objects.bulk_create(attempts)
    log_record_many([_attempt_log(m, a) for m, batch in results for a in batch])
    outcomes = [_apply_attempts(m, batch, allow_retry=True) for m, batch in results]
    _bulk_write([m for m, _ in results])
    for message, _ in results:
        _after_record(message, idempotent_event=False)
    return outcomes


def _claim(message_ids: Iterable[UUID | str], now: datetime | None = None) -> int:
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.MESSAGING_SWEEP_GRACE_SECONDS)
    return (
        Message.objects.filter(id__in=list(message_ids))
        .filter(Q(status=Message.Status.QUEUED) | Q(status=Message.Status.SENDING, claimed_at__lt=stale))
        .update(status=Message.Status.SENDING, claimed_at=now, send_runs=F("send_runs") + 1, updated_at=now)
    )


def _admitted(message: Message, ctx: ChainContext) -> int | None:
    """Count a not-yet-counted message against its channel limit; return seconds to wait when the window is full."""
    if message.admitted_at is not None:
        return None
    verdict = message_admit(
        company_id=message.company_id, channel=message.channel, limit=ctx.limit(message.company_id, message.channel)
    )
    if not verdict.allowed:
        return verdict.retry_after
    message.admitted_at = timezone.now()
    Message.objects.filter(id=message.id).update(admitted_at=message.admitted_at)
    return None


def _release(message_ids: list[UUID], wait: int) -> None:
    """Put claimed messages back in the queue untouched (not a send run): they wait for room in the window."""
    Message.objects.filter(id__in=message_ids, status=Message.Status.SENDING).update(
        status=Message.Status.QUEUED,
        claimed_at=None,
        send_runs=F("send_runs") - 1,
        next_attempt_at=timezone.now() + timedelta(seconds=wait),
        updated_at=timezone.now(),
    )


def _deliver_claimed(message: Message, ctx: ChainContext, *, allow_retry: bool) -> DeliverOutcome:
    wait = _admitted(message, ctx)
    if wait is not None:
        _release([message.id], wait)
        return DeliverOutcome("waiting", retry_in=wait)
    attempts = _try_chain(message, ctx.chain(message.company_id, message.channel), ctx)
    return _deliver_record(message, attempts, allow_retry=allow_retry)


def message_deliver(*, message_id: UUID | str, allow_retry: bool = True) -> DeliverOutcome:
    """Claim a queued message and send it through the company's provider chain, failing over in order.

    A claim is a conditional update, so two workers never send one message; a claim older than
    the sweep grace (a worker died mid-send) can be taken over. A message not yet counted
    against its company's channel limit is counted now; in a full window it goes back to the
    queue and comes again when there is room ("waiting").
    """
    if _claim([message_id]) != 1:
        return DeliverOutcome("skipped")
    message = Message.objects.get(id=message_id)
    return _deliver_claimed(message, ChainContext(), allow_retry=allow_retry)


@dataclass(frozen=True)
class BatchOutcome:
    sent: int
    waiting: list[UUID]  # still queued: their channel's window is full
    retry_in: int | None  # when to try the waiting ones


def messages_deliver_batch(*, message_ids: list[UUID | str]) -> BatchOutcome:
    """Send a batch of queued messages (a bulk job's slice), each through its chain, as message_deliver does.

    The chain and the integrations' values are read once per batch and the bookkeeping is
    written per batch. When a message finds its channel's window full, it and the rest of the
    batch wait for the window instead of failing.
    """
    if not message_ids:
        return BatchOutcome(0, [], None)
    now = timezone.now()
    if not _claim(message_ids, now):
        return BatchOutcome(0, [], None)
    # Ours are the rows claimed at exactly this instant (another worker's claim has its own).
    claimed = Message.objects.filter(id__in=message_ids, status=Message.Status.SENDING, claimed_at=now)
    messages = list(claimed.order_by("created_at", "id"))
    ctx = ChainContext()
    results: list[tuple[Message, list[MessageAttempt]]] = []
    waiting: list[UUID] = []
    wait: int | None = None
    for index, message in enumerate(messages):
        if message.admitted_at is None:
            verdict = message_admit(
                company_id=message.company_id,
                channel=message.channel,
                limit=ctx.limit(message.company_id, message.channel),
            )
            if not verdict.allowed:
                waiting, wait = [m.id for m in messages[index:]], verdict.retry_after
                break
            message.admitted_at = timezone.now()
        results.append((message, _try_chain(message, ctx.chain(message.company_id, message.channel), ctx)))
    outcomes = _deliver_record_many(results) if results else []
    if waiting:
        _release(waiting, wait or 1)
    for (message, _), outcome in zip(results, outcomes, strict=True):
        if outcome.retry_in is not None:
            _enqueue_later(message, outcome.retry_in)
    return BatchOutcome(sum(o.status == "sent" for o in outcomes), waiting, wait)


def _enqueue_later(message: Message, countdown: int) -> None:
    from messaging import tasks  # tasks import services

    try:
        tasks.message_send.apply_async((str(message.id),), queue=_queue_of(message.priority), countdown=countdown)
    except Exception:  # next_attempt_at is stored: the sweep sends it later
        logger.exception("Could not enqueue the retry of message %s; the requeue sweep will", message.id)


def message_send_test(*, company_id: UUID, data: MessageInput, created_by: str = "") -> Message:
    """Send a message now, in the caller's request, through the provider chain (no later retries)."""
    message = message_create(
        company_id=company_id, data=data, created_by=created_by, source="test", enqueue=False, admit=True
    ).message
    message_deliver(message_id=message.id, allow_retry=False)
    return selectors.message_get(company_id=company_id, message_id=message.id)


@transaction.atomic
def messages_retry(*, company_id: UUID | None = None, message_ids: list[UUID | str]) -> int:
    """Queue failed messages again for a fresh pass through the chain (an operator's action)."""
    qs = Message.objects.filter(id__in=message_ids, status=Message.Status.FAILED)
    if company_id is not None:
        qs = qs.filter(company_id=company_id)
    rows = list(qs.values_list("id", "priority"))
    qs.update(status=Message.Status.QUEUED, send_runs=0, failed_at=None, next_attempt_at=timezone.now())
    for message_id, priority in rows:
        transaction.on_commit(lambda m=message_id, p=priority: _enqueue(m, p))
    return len(rows)


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
    if message.status == Message.Status.FAILED and message.fallback_channels:
        _fallback_create(message)  # a bounce after "sent" still reaches the recipient another way
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


# --- company messaging settings ----------------------------------------------------------------


@transaction.atomic
def settings_update(*, company_id: UUID, data: dict[str, Any]) -> MessagingSettings:
    """Set the company's default phone region and per-channel limits (None: back to the defaults)."""
    row, _ = MessagingSettings.objects.select_for_update().get_or_create(company_id=company_id)
    if "default_region" in data:
        region = (data["default_region"] or "").upper()
        if region and region not in phonenumbers.SUPPORTED_REGIONS:
            raise MessageValidationError(
                {"defaultRegion": f'"{region}" is not a region phone numbers know (ISO 3166 alpha-2, e.g. "AE").'}
            )
        row.default_region = region
    for channel in Channel.values:
        if channel in data.get("limits", {}):
            setattr(row, f"{channel}_per_minute", data["limits"][channel])
    row.save()
    return row
