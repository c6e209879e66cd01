"""The only outbound HTTP of the webhooks app: SSRF guard, timeouts, no redirects, truncated responses.

The guard resolves the host once, refuses the request if any address is private,
loopback, link-local, multicast, reserved or a cloud-metadata address (unless
WEBHOOK_ALLOW_PRIVATE_NETWORKS), and then connects to that validated IP itself, sending
the original Host header and TLS server name. The address that was checked is the
address used, so a DNS answer that changes between check and connect cannot slip past.
"""

import contextlib
import ipaddress
import socket
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import urlsplit

import certifi
import urllib3
from django.conf import settings
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)

USER_AGENT = "IntegrationHub-Webhooks/1.0"


class UnsafeURLError(ValueError):
    """The URL may not be called: bad scheme, or its host is (or resolves to) a forbidden address."""


class UnresolvableHostError(UnsafeURLError):
    """The host does not resolve (now); worth retrying later, unlike a forbidden address."""


@dataclass
class HttpResult:
    """What one POST produced: a status and a truncated body, or an error."""

    status_code: int | None
    body: str
    headers: dict[str, str]
    duration_ms: int
    error: str = ""
    error_kind: str = ""  # "", "timeout", "connection", "dns", "tls", "unsafe_url"

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def address_forbidden(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Return True for addresses a webhook may not reach: anything not globally routable, or multicast."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (not ip.is_global) or ip.is_multicast or ip.is_unspecified or ip.is_loopback or ip.is_link_local


def _split(url: str) -> tuple[str, str, int, str]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    allowed = ("https", "http") if settings.WEBHOOK_ALLOW_HTTP else ("https",)
    if scheme not in allowed:
        raise UnsafeURLError(f"The URL must use {' or '.join(allowed)}.")
    if not parts.hostname:
        raise UnsafeURLError("The URL has no host.")
    if parts.username or parts.password:
        raise UnsafeURLError("The URL may not carry credentials.")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeURLError("The URL has an invalid port.") from exc
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, parts.hostname, port, path


def resolve(host: str, port: int) -> list[str]:
    """Return the addresses the host resolves to (IP literals in any inet_aton form included)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnresolvableHostError(f"The host {host!r} does not resolve.") from exc
    return list(dict.fromkeys(info[4][0] for info in infos))


def safe_address(host: str, port: int) -> str:
    """Return the address to connect to, after refusing a host that resolves to any forbidden address."""
    addresses = resolve(host, port)
    if not settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS:
        for address in addresses:
            if address_forbidden(ipaddress.ip_address(address.split("%", 1)[0])):
                raise UnsafeURLError(
                    f"The host {host!r} resolves to {address}, a private, loopback, link-local, "
                    "multicast or metadata address."
                )
    return addresses[0]


def url_check(url: str, *, resolve_host: bool = True) -> None:
    """Raise UnsafeURLError when the URL may not be registered (scheme, and its addresses when they resolve)."""
    _, host, port, _ = _split(url)
    if settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS:
        return
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        if address_forbidden(literal):
            raise UnsafeURLError(f"The address {host} is private, loopback, link-local, multicast or metadata.")
        return
    if resolve_host:
        # A name that does not resolve now may later: the send-time check still applies.
        with contextlib.suppress(UnresolvableHostError):
            safe_address(host, port)


# Connection pools keyed by the validated address, so keep-alive works without trusting DNS twice.
_POOLS: "OrderedDict[tuple, urllib3.HTTPConnectionPool]" = OrderedDict()
_POOLS_LOCK = threading.Lock()
_POOLS_MAX = 256


def _pool(scheme: str, host: str, address: str, port: int) -> urllib3.HTTPConnectionPool:
    key = (scheme, host, address, port)
    with _POOLS_LOCK:
        pool = _POOLS.get(key)
        if pool is not None:
            _POOLS.move_to_end(key)
            return pool
        if scheme == "https":
            pool = urllib3.HTTPSConnectionPool(
                address,
                port,
                maxsize=10,
                block=False,
                retries=False,
                cert_reqs="CERT_REQUIRED",
                ca_certs=certifi.where(),
                server_hostname=host,
                assert_hostname=host,
            )
        else:
            pool = urllib3.HTTPConnectionPool(address, port, maxsize=10, block=False, retries=False)
        _POOLS[key] = pool
        while len(_POOLS) > _POOLS_MAX:
            _, old = _POOLS.popitem(last=False)
            old.close()
        return pool


def _host_header(host: str, port: int, scheme: str) -> str:
    shown = f"[{host}]" if ":" in host else host
    default = 443 if scheme == "https" else 80
    return shown if port == default else f"{shown}:{port}"


def post(url: str, *, body: bytes, headers: dict[str, str]) -> HttpResult:
    """POST the body to the URL once: guarded, time-limited, redirects not followed, response truncated."""
    started = time.monotonic()

    def result(**kwargs) -> HttpResult:
        kwargs.setdefault("status_code", None)
        kwargs.setdefault("body", "")
        kwargs.setdefault("headers", {})
        return HttpResult(duration_ms=int((time.monotonic() - started) * 1000), **kwargs)

    try:
        scheme, host, port, path = _split(url)
        address = safe_address(host, port)
    except UnresolvableHostError as exc:
        return result(error=str(exc), error_kind="dns")
    except UnsafeURLError as exc:
        return result(error=str(exc), error_kind="unsafe_url")

    timeout = urllib3.Timeout(connect=settings.WEBHOOK_CONNECT_TIMEOUT, read=settings.WEBHOOK_READ_TIMEOUT)
    send_headers = {
        **headers,
        "Host": _host_header(host, port, scheme),
        "User-Agent": USER_AGENT,
        "Content-Type": "application/json",
    }
    limit = settings.WEBHOOK_RESPONSE_MAX_BYTES
    deadline = started + settings.WEBHOOK_CONNECT_TIMEOUT + settings.WEBHOOK_READ_TIMEOUT
    try:
        response = _pool(scheme, host, address, port).urlopen(
            "POST",
            path,
            body=body,
            headers=send_headers,
            timeout=timeout,
            redirect=False,
            retries=False,
            preload_content=False,
            assert_same_host=False,
        )
    except NewConnectionError as exc:  # before ConnectTimeoutError, which urllib3 makes its base class
        return result(error=f"Connection failed: {exc}", error_kind="connection")
    except (ConnectTimeoutError, ReadTimeoutError) as exc:
        return result(error=f"Timed out: {exc}", error_kind="timeout")
    except SSLError as exc:
        return result(error=f"TLS error: {exc}", error_kind="tls")
    except (ProtocolError, HTTPError, OSError) as exc:
        return result(error=f"Connection failed: {exc}", error_kind="connection")

    chunks: list[bytes] = []
    size = 0
    truncated = False
    try:
        # Read at most `limit` bytes, within the overall deadline, so a slow or huge answer cannot hold us.
        while size <= limit and time.monotonic() < deadline:
            chunk = response.read(min(8192, limit + 1 - size) or 1)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        truncated = size > limit or time.monotonic() >= deadline
    except (ReadTimeoutError, ProtocolError, HTTPError, OSError):
        truncated = True
    finally:
        if truncated:
            response.close()  # unread bytes make the connection unusable
        response.release_conn()
    text = b"".join(chunks)[:limit].decode("utf-8", errors="replace")
    return result(
        status_code=response.status,
        body=text,
        headers={k.lower(): v for k, v in response.headers.items() if k.lower() in ("retry-after", "content-type")},
    )
