"""The errors of the outbound seam, each knowing its outcome kind and whether the request left us."""

import requests


class OutboundError(requests.exceptions.RequestException):
    """No usable answer: refused target, DNS failure, connection error, timeout, oversized answer.

    It subclasses requests' base exception so that SDK clients built on requests (stripe,
    twilio) handle a refusal by the seam like any other network failure.
    """

    kind = "retryable"  # core.outbound.outcome kinds: retryable, permanent, rejected
    error_kind = "connection"  # finer detail recorded on webhook attempts
    sent = False  # True once the request may have reached the far side (it may have acted on it)

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class OutboundRefused(OutboundError):
    """The policy refuses the target (scheme, credentials in the URL, non-public address, port)."""

    kind = "rejected"
    error_kind = "unsafe_url"


class OutboundUnresolvable(OutboundError):
    """The host does not resolve (now); worth retrying later, unlike a refused address."""

    error_kind = "dns"


class OutboundConnectTimeout(OutboundError):
    """No connection within the connect timeout: nothing was sent."""

    error_kind = "timeout"


class OutboundTLSError(OutboundError):
    """The TLS handshake failed (untrusted or mismatched certificate): nothing was sent."""

    error_kind = "tls"


class OutboundTimeout(OutboundError):
    """The request was sent but no (complete) answer came in time: the far side may have acted on it."""

    error_kind = "timeout"
    sent = True


class OutboundTooLarge(OutboundError):
    """The answer is larger than the cap: the far side acted, but its answer is not read."""

    kind = "permanent"
    error_kind = "too_large"
    sent = True
