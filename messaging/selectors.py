"""Reads of messaging, always scoped to one company."""

from datetime import timedelta
from uuid import UUID

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from integrations.models import Integration
from messaging.defaults import DEFAULT_TEMPLATES, DefaultTemplate, default_template
from messaging.models import BulkJob, Message, MessageAttempt, MessageTemplate, MessagingRoute
from messaging.providers import channel_providers


def message_get(*, company_id: UUID, message_id: UUID | str) -> Message:
    """Return one of the company's messages with its attempts (raises Message.DoesNotExist)."""
    return (
        Message.objects.prefetch_related(Prefetch("attempts", queryset=MessageAttempt.objects.order_by("id")))
        .filter(company_id=company_id)
        .get(id=message_id)
    )


def message_list(*, company_id: UUID) -> QuerySet[Message]:
    """Return the company's messages, newest first (the list's FilterSet narrows them)."""
    return Message.objects.filter(company_id=company_id).order_by("-created_at", "-id")


def template_list(*, company_id: UUID, channel: str | None = None) -> QuerySet[MessageTemplate]:
    qs = MessageTemplate.objects.filter(company_id=company_id)
    return qs.filter(channel=channel) if channel else qs


def template_get(*, company_id: UUID, template_id: UUID | str) -> MessageTemplate:
    return MessageTemplate.objects.get(company_id=company_id, id=template_id)


def template_resolve(*, company_id: UUID, name: str, channel: str) -> MessageTemplate | DefaultTemplate | None:
    """Return the company's template of this name and channel, else the built-in one, else None."""
    own = MessageTemplate.objects.filter(company_id=company_id, name=name, channel=channel).first()
    return own or default_template(name, channel)


def default_templates(*, channel: str | None = None) -> list[DefaultTemplate]:
    return [t for t in DEFAULT_TEMPLATES if channel in (None, t.channel)]


def provider_chain(*, company_id: UUID, channel: str) -> list[Integration]:
    """Return the active integrations a message of this channel tries, in order.

    With routes for the channel, their priority order (inactive integrations skipped); without,
    every active integration of the channel's providers, oldest first.
    """
    providers = channel_providers(channel)
    routes = list(
        MessagingRoute.objects.filter(company_id=company_id, channel=channel)
        .select_related("integration")
        .order_by("priority", "id")
    )
    if routes:
        return [r.integration for r in routes if r.integration.is_active() and r.integration.provider in providers]
    return list(
        Integration.objects.filter(
            company_id=company_id, status=Integration.Status.ACTIVE, provider__in=providers
        ).order_by("created_at", "id")
    )


def route_list(*, company_id: UUID) -> QuerySet[MessagingRoute]:
    return MessagingRoute.objects.filter(company_id=company_id).select_related("integration")


def messages_due(*, grace_seconds: int, limit: int = 500) -> list[UUID]:
    """Return ids of messages whose broker message looks lost: queued and overdue, or claimed and stale."""
    cutoff = timezone.now() - timedelta(seconds=grace_seconds)
    queued = Message.objects.filter(status=Message.Status.QUEUED, next_attempt_at__lt=cutoff)
    stale = Message.objects.filter(status=Message.Status.SENDING, claimed_at__lt=cutoff)
    ids = list(queued.values_list("id", flat=True)[:limit])
    return ids + list(stale.values_list("id", flat=True)[: max(0, limit - len(ids))])


def message_by_provider_id(*, company_id: UUID, provider: str, provider_message_id: str) -> Message | None:
    if not provider_message_id:
        return None
    return Message.objects.filter(
        company_id=company_id, provider=provider, provider_message_id=provider_message_id
    ).first()


def bulk_job_get(*, company_id: UUID, job_id: UUID | str) -> BulkJob:
    """Return one of the company's bulk jobs with `counts` and `status` set (raises BulkJob.DoesNotExist)."""
    job = BulkJob.objects.get(company_id=company_id, id=job_id)
    statuses = Message.Status.values
    counts = job.messages.aggregate(**{s: Count("id", filter=Q(status=s)) for s in statuses})
    job.counts = {"total": job.total, **counts}
    done = counts["sent"] + counts["delivered"] + counts["failed"]
    job.status = "done" if done >= job.total else "queued" if counts["queued"] == job.total else "sending"
    return job
