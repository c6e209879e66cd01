"""The SSRF policy of every outbound connection: which targets are refused, and the one development switch."""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from core.outbound.errors import OutboundRefused, OutboundUnresolvable

SWITCH = "HUB_ALLOW_LOCAL_TARGETS"
HINT = f"set {SWITCH}=1 in development"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud instance-metadata services: refused even with the development switch on.
METADATA_NAMES = frozenset(
    {
        "metadata.google.internal",
        "metadata.goog",
        "metadata",
        "instance-data",
        "instance-data.ec2.internal",
        "metadata.azure.internal",
    }
)
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud
    )
)

# IPv6 ranges that carry an IPv4 address inside: the embedded address decides where the
# packet goes, so none of them is trusted (they are never a provider's published address).
_EMBEDDING = (
    (ipaddress.ip_network("::ffff:0:0/96"), "an IPv4-mapped IPv6 address"),
    (ipaddress.ip_network("::/96"), "an IPv4-compatible IPv6 address"),
    (ipaddress.ip_network("64:ff9b::/96"), "a NAT64 address"),
    (ipaddress.ip_network("64:ff9b:1::/48"), "a local-use NAT64 address"),
    (ipaddress.ip_network("2002::/16"), "a 6to4 address"),
    (ipaddress.ip_network("2001::/32"), "a Teredo address"),
)
_CGNAT = ipaddress.ip_network("100.64.0.0/10")


def local_targets_allowed() -> bool:
    """Return True when the development switch relaxes https-only, local addresses and SMTP without TLS."""
    return bool(settings.HUB_ALLOW_LOCAL_TARGETS)


def address_refusal(ip: IPAddress) -> str | None:
    """Return why the address may not be dialled ("a loopback address"), or None when it may."""
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if local_targets_allowed():
        return None
    if ip.version == 6:
        for network, label in _EMBEDDING:
            if ip in network and not ip.is_unspecified and not ip.is_loopback:
                return label
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.version == 4 and ip in _CGNAT:
        return "a shared (CGNAT) address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_private:
        return "a private address"
    if ip.is_reserved or not ip.is_global:
        return "a reserved address"
    return None


def _refused(host: str, address: str, reason: str) -> OutboundRefused:
    hint = "" if reason == "a cloud metadata address" else f"; {HINT}"
    if host == address:
        subject = f"{host} is a non-public address ({reason})"
    else:
        subject = f"{host} resolves to a non-public address ({address}, {reason})"
    return OutboundRefused(f"{subject}; outbound calls refuse it{hint}.")


def check_port(port: int) -> int:
    """Return the port, or refuse one outside 1..65535."""
    if not isinstance(port, int) or not 1 <= port <= 65535:
        raise OutboundRefused(f"The port {port!r} is outside 1..65535.")
    return port


def check_name(host: str) -> None:
    """Refuse the names of cloud metadata services, whatever they resolve to."""
    if host.rstrip(".").lower() in METADATA_NAMES:
        raise OutboundRefused(f"{host} is a cloud metadata service; outbound calls refuse it.")


def resolve_checked(host: str, port: int) -> str:
    """Resolve the host once, refuse it if ANY address is refused, and return the address to dial.

    Callers connect to the returned address (never to the name again), so a DNS answer that
    changes between this check and the connection cannot take them elsewhere.
    """
    check_port(port)
    check_name(host)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise OutboundUnresolvable(f"Cannot resolve {host}: {getattr(exc, 'strerror', None) or exc}.") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise OutboundUnresolvable(f"Cannot resolve {host}.")
    for address in addresses:
        reason = address_refusal(ipaddress.ip_address(address.split("%", 1)[0]))
        if reason:
            raise _refused(host, address, reason)
    return addresses[0]


@dataclass(frozen=True)
class Target:
    """An http(s) URL split into what the seam dials and what it sends."""

    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent on the request line

    @property
    def host_header(self) -> str:
        shown = f"[{self.host}]" if ":" in self.host else self.host
        return shown if self.port == (443 if self.scheme == "https" else 80) else f"{shown}:{self.port}"


def split_url(url: str) -> Target:
    """Return the URL's target, refusing a malformed URL, another scheme, credentials or a bad port."""
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
        port = parts.port
    except ValueError as exc:
        raise OutboundRefused("The URL is malformed or has an invalid port.") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise OutboundRefused("The URL must use https.")
    if not hostname:
        raise OutboundRefused("The URL has no host.")
    if parts.username is not None or parts.password is not None:
        raise OutboundRefused("The URL may not carry credentials (user:password@).")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme, hostname, check_port(port or (443 if scheme == "https" else 80)), path)


def check_scheme(target: Target) -> None:
    """Refuse plain http outside development."""
    if target.scheme != "https" and not local_targets_allowed():
        raise OutboundRefused(f"The URL must use https; plain http is refused ({HINT}).")


def check_url(url: str, *, resolve: bool = True) -> tuple[Target, str | None]:
    """Return the target and the checked address to dial (None when not resolved), or raise OutboundRefused.

    The address is checked before the scheme, so a private http URL is named for its address.
    """
    target = split_url(url)
    check_name(target.host)
    address: str | None = None
    try:
        literal = ipaddress.ip_address(target.host)
    except ValueError:
        literal = None
    if literal is not None:
        reason = address_refusal(literal)
        if reason:
            raise _refused(target.host, target.host, reason)
    if resolve:
        address = resolve_checked(target.host, target.port)
    check_scheme(target)
    return target, address
