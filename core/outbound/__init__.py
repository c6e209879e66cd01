"""The outbound seam: the only way code reaches the network (HTTP, SDK sessions, SMTP); see docs/outbound.md."""

from core.outbound.errors import (
    OutboundConnectTimeout,
    OutboundError,
    OutboundRefused,
    OutboundTimeout,
    OutboundTLSError,
    OutboundTooLarge,
    OutboundUnresolvable,
)
from core.outbound.http import PinnedAdapter, PinnedSession, pinned_pool, request, timeouts
from core.outbound.outcome import (
    PERMANENT,
    REJECTED,
    RETRYABLE,
    SUCCESS,
    Outcome,
    parse_retry_after,
    redact,
    redact_url,
    status_kind,
)
from core.outbound.policy import (
    SWITCH,
    address_refusal,
    check_url,
    local_targets_allowed,
    resolve_checked,
)
from core.outbound.smtp import PinnedSMTP, PinnedSMTP_SSL, smtp_connect, smtp_starttls, tcp_greeting, tls_context

__all__ = [
    "PERMANENT",
    "REJECTED",
    "RETRYABLE",
    "SUCCESS",
    "SWITCH",
    "OutboundConnectTimeout",
    "OutboundError",
    "OutboundRefused",
    "OutboundTLSError",
    "OutboundTimeout",
    "OutboundTooLarge",
    "OutboundUnresolvable",
    "Outcome",
    "PinnedAdapter",
    "PinnedSMTP",
    "PinnedSMTP_SSL",
    "PinnedSession",
    "address_refusal",
    "check_url",
    "local_targets_allowed",
    "parse_retry_after",
    "pinned_pool",
    "redact",
    "redact_url",
    "request",
    "resolve_checked",
    "smtp_connect",
    "smtp_starttls",
    "status_kind",
    "tcp_greeting",
    "timeouts",
    "tls_context",
]
