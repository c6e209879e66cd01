"""The only outbound network calls of this app: timeouts, no redirects, an SSRF guard.

Connection checks and PayPal's verification API go through here, so tests point providers
at local servers and patch nothing else.
"""

import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings


class OutboundError(Exception):
    """No usable answer: refused address, DNS failure, timeout, connection error."""


class OutboundTimeout(OutboundError):
    """The request was sent but no answer came in time: the far side may have acted on it."""


def check_host(host: str, port: int) -> None:
    """Refuse private, loopback, link-local and metadata addresses unless settings allow them."""
    if settings.INTEGRATIONS_ALLOW_PRIVATE_URLS:
        return
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise OutboundError(f"Cannot resolve {host}: {exc.strerror or exc}.")
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global or address.is_multicast:
            raise OutboundError(f"{host} resolves to a non-public address ({address}); outbound calls refuse it.")


def request(
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    auth: tuple[str, str] | None = None,
    data: Any = None,
    json_body: Any = None,
    timeout: float | None = None,
) -> requests.Response:
    """Send one HTTP request with the configured timeout; never follows redirects."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutboundError(f"{url!r} is not an http(s) URL.")
    check_host(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    seconds = timeout or settings.INTEGRATIONS_HTTP_TIMEOUT_SECONDS
    try:
        return requests.request(
            method,
            url,
            headers=headers,
            auth=auth,
            data=data,
            json=json_body,
            timeout=(min(seconds, 5.0), seconds),
            allow_redirects=False,
        )
    except requests.ConnectTimeout:
        # Never connected, so nothing was sent: callers may treat it like a refused connection.
        raise OutboundError(f"{parts.hostname} did not accept a connection within {min(seconds, 5.0):g} s.")
    except requests.Timeout:
        raise OutboundTimeout(f"{parts.hostname} did not answer within {seconds:g} s.")
    except requests.RequestException as exc:
        raise OutboundError(f"Cannot reach {parts.hostname}: {type(exc).__name__}.")


def tcp_connect(host: str, port: int, *, timeout: float | None = None) -> bytes:
    """Open a TCP connection, read the greeting line (SMTP's 220), and close it."""
    check_host(host, port)
    seconds = timeout or settings.INTEGRATIONS_HTTP_TIMEOUT_SECONDS
    try:
        with socket.create_connection((host, port), timeout=seconds) as sock:
            sock.settimeout(seconds)
            return sock.recv(512)
    except TimeoutError:
        raise OutboundError(f"{host}:{port} did not answer within {seconds:g} s.")
    except OSError as exc:
        raise OutboundError(f"Cannot connect to {host}:{port}: {exc.strerror or exc}.")
