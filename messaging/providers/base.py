"""What a messaging adapter receives and returns, and how a failure is classified for failover."""

from dataclasses import dataclass, field

from django.conf import settings

from core.outbound import RETRYABLE, status_kind


@dataclass(frozen=True)
class Outgoing:
    """A rendered message as an adapter sends it."""

    message_id: str
    channel: str
    recipients: list[str]
    subject: str = ""
    body_text: str = ""
    body_html: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    company_id: str = ""


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str
    status_code: int | None = None


class SendError(Exception):
    """A failed send: `kind` says whether failover and a later retry can help."""

    RETRYABLE = "retryable_error"  # timeout, connection error, 5xx, 408, 429
    PROVIDER = "provider_error"  # our credentials or configuration were refused (401, 403)
    REJECTED = "rejected"  # the message itself was refused (other 4xx): no other provider is tried

    def __init__(
        self, kind: str, message: str, *, status_code: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.status_code = status_code
        # The provider's own "come back in N seconds" (Retry-After, a throttling code): honoured for this provider.
        self.retry_after = retry_after

    @property
    def falls_through(self) -> bool:
        """Return True when the next provider of the chain should be tried."""
        return self.kind != self.REJECTED


def classify_status(status_code: int) -> str:
    """Return the SendError kind of a provider's HTTP status (transient per core.outbound's classification)."""
    if status_kind(status_code) == RETRYABLE:
        return SendError.RETRYABLE
    if status_code in (401, 403):
        return SendError.PROVIDER
    return SendError.REJECTED


def status_callback_url(integration_id: str) -> str | None:
    """Return the integration's receiver URL for delivery reports, when the hub's public origin is known."""
    base = settings.INTEGRATIONS_PUBLIC_BASE_URL.rstrip("/")
    return f"{base}/api/v1/inbound/{integration_id}/" if base and integration_id else None
