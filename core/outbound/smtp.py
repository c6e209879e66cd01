"""Outbound SMTP and raw TCP: connect to the checked address, keep the name for STARTTLS/SSL certificate checks."""

import smtplib
import socket
import ssl

from django.conf import settings

from core.outbound.errors import OutboundConnectTimeout, OutboundError, OutboundRefused
from core.outbound.policy import HINT, check_port, local_targets_allowed, resolve_checked


def tls_context() -> ssl.SSLContext:
    """Return the TLS context of outbound SMTP: system roots, or OUTBOUND_CA_BUNDLE when set."""
    return ssl.create_default_context(cafile=settings.OUTBOUND_CA_BUNDLE or None)


class _Pinned:
    """Resolve and check in connect(), then dial the checked address instead of the name.

    smtplib opens its socket in `_get_socket(host, port, timeout)` (the hook LMTP overrides
    too); replacing the host there keeps `self._host` — the name — for STARTTLS and SMTP_SSL,
    which check the certificate against it.
    """

    _pinned_address = ""

    def connect(self, host: str = "localhost", port: int = 0, source_address=None):
        port = check_port(int(port or self.default_port))  # type: ignore[attr-defined]
        self._pinned_address = resolve_checked(host, port)
        self._host = host  # smtplib sets it only in __init__; STARTTLS needs it after a later connect()
        return super().connect(host, port, source_address)  # type: ignore[misc]

    def _get_socket(self, host: str, port: int, timeout: float):
        return super()._get_socket(self._pinned_address or host, port, timeout)  # type: ignore[misc]


class PinnedSMTP(_Pinned, smtplib.SMTP):
    """smtplib.SMTP through the seam."""


class PinnedSMTP_SSL(_Pinned, smtplib.SMTP_SSL):
    """smtplib.SMTP_SSL (implicit TLS) through the seam."""


def smtp_connect(host: str, port: int, *, implicit_tls: bool, timeout: float | None = None) -> smtplib.SMTP:
    """Return a connected SMTP client (implicit TLS on 465-style ports), within the timeout."""
    seconds = float(timeout or settings.OUTBOUND_READ_TIMEOUT_SECONDS)
    if implicit_tls:
        return PinnedSMTP_SSL(host, port, timeout=seconds, context=tls_context())
    return PinnedSMTP(host, port, timeout=seconds)


def smtp_starttls(client: smtplib.SMTP) -> None:
    """Upgrade to TLS when the server offers it; outside development refuse a server that does not."""
    if client.has_extn("starttls"):
        client.starttls(context=tls_context())
        client.ehlo()
        return
    if not local_targets_allowed():
        raise OutboundRefused(
            f"{getattr(client, '_host', 'The server')} does not offer STARTTLS; outbound SMTP refuses to send "
            f"in plain text ({HINT})."
        )


def tcp_greeting(host: str, port: int, *, timeout: float | None = None) -> bytes:
    """Connect to the checked address, read the greeting line (SMTP's 220), and close."""
    address = resolve_checked(host, port)
    seconds = float(timeout or settings.OUTBOUND_READ_TIMEOUT_SECONDS)
    try:
        with socket.create_connection((address, port), timeout=seconds) as sock:
            sock.settimeout(seconds)
            return sock.recv(512)
    except TimeoutError as exc:
        raise OutboundConnectTimeout(f"{host}:{port} did not answer within {seconds:g} s.") from exc
    except OSError as exc:
        raise OutboundError(f"Cannot connect to {host}:{port}: {exc.strerror or exc}.") from exc
