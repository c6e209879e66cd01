"""The SSRF policy with the development switch off: every vector is refused, before any connection, on every path.

Each vector is tried for a provider call (SendGrid's adapter), an SMTP connection and a
webhook delivery. A vector is reached through a name (*.test, answered by our resolver) so the
check of resolved addresses is what refuses it; IP literals in URLs are covered too.
"""

import pytest

from core import outbound
from messaging.providers import adapter_for
from messaging.providers.base import Outgoing, SendError
from webhooks import client

EMAIL = Outgoing(message_id="m-1", channel="email", recipients=["a@example.com"], subject="Hi", body_text="Hi")

ADDRESS_VECTORS = {
    "loopback-v4": "127.0.0.1",
    "loopback-v6": "::1",
    "private-10": "10.0.0.1",
    "private-172": "172.16.5.4",
    "private-192": "192.168.1.10",
    "private-v6-ula": "fc00::1",
    "link-local-v4": "169.254.10.10",
    "link-local-v6": "fe80::1",
    "cgnat": "100.64.0.1",
    "multicast-v4": "224.0.0.1",
    "multicast-v6": "ff02::1",
    "unspecified-v4": "0.0.0.0",
    "unspecified-v6": "::",
    "reserved": "240.0.0.1",
    "ipv4-mapped": "::ffff:93.184.216.34",
    "ipv4-compatible": "::93.184.216.34",
    "nat64": "64:ff9b::7f00:1",
    "6to4": "2002:7f00:1::1",
    "teredo": "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    "metadata-v4": "169.254.169.254",
    "metadata-v6": "fd00:ec2::254",
}
METADATA_VECTORS = {"metadata-v4", "metadata-v6"}
PATHS = ("provider", "smtp", "webhook")


def _attempt(path: str, host: str) -> str:
    """Try to reach `host` on one path; return the refusal's message (fails the test if nothing was refused)."""
    if path == "provider":
        with pytest.raises(SendError) as caught:
            config = {"baseUrl": f"https://{host}", "apiKey": "SG.key", "fromEmail": "shop@example.com"}
            adapter_for("sendgrid")(config, EMAIL)
        assert caught.value.kind == SendError.PROVIDER  # our configuration, not a transient failure
        return str(caught.value)
    if path == "smtp":
        with pytest.raises(outbound.OutboundRefused) as refused:
            outbound.smtp_connect(host, 587, implicit_tls=False, timeout=1)
        return str(refused.value)
    result = client.post(f"https://{host}/hook", body=b"{}", headers={})
    assert result.status_code is None and result.error_kind == "unsafe_url", result.error
    assert result.outcome.kind == outbound.REJECTED
    return result.error


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("vector", ADDRESS_VECTORS)
def test_a_name_resolving_to_the_vector_is_refused_without_connecting(vector, path, resolve_as, no_connections):
    # given a name that resolves to the vector's address
    resolve_as(ADDRESS_VECTORS[vector])
    # when / then
    message = _attempt(path, "target.test")
    assert "non-public address" in message
    # the error names the switch that would allow it, except for metadata, which nothing allows
    assert ("HUB_ALLOW_LOCAL_TARGETS" in message) is (vector not in METADATA_VECTORS)
    assert no_connections == []


@pytest.mark.parametrize("path", ["provider", "webhook"])
@pytest.mark.parametrize("vector", ADDRESS_VECTORS)
def test_the_vector_as_an_ip_literal_is_refused_without_connecting(vector, path, no_connections):
    address = ADDRESS_VECTORS[vector]
    host = f"[{address}]" if ":" in address else address
    assert "non-public address" in _attempt(path, host)
    assert no_connections == []


def test_the_vector_as_an_ip_literal_is_refused_for_smtp(no_connections):
    for address in ADDRESS_VECTORS.values():
        with pytest.raises(outbound.OutboundRefused, match="non-public address"):
            outbound.smtp_connect(address, 587, implicit_tls=False, timeout=1)
    assert no_connections == []


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("name", ["metadata.google.internal", "metadata.goog", "instance-data.ec2.internal"])
def test_metadata_names_are_refused_whatever_they_resolve_to(name, path, resolve_as, no_connections, settings):
    # given a metadata name that (in this test) resolves to a public address, and even the switch on
    settings.HUB_ALLOW_LOCAL_TARGETS = True
    resolve_as("93.184.216.34")
    # then
    assert "metadata" in _attempt(path, name)
    assert no_connections == []


@pytest.mark.parametrize("path", ["provider", "webhook"])
def test_a_url_with_credentials_is_refused(path, resolve_as, no_connections):
    # SMTP connections take a host and port, never a URL, so this vector does not apply to them.
    resolve_as("93.184.216.34")
    assert "credentials" in _attempt(path, "user:secret@api.test")
    assert no_connections == []


@pytest.mark.parametrize("port", [65536, 70000, -1])
def test_an_smtp_port_out_of_range_is_refused(port, resolve_as, no_connections):
    resolve_as("93.184.216.34")
    with pytest.raises(outbound.OutboundRefused, match="1..65535"):
        outbound.smtp_connect("mail.test", port, implicit_tls=False)
    assert no_connections == []


@pytest.mark.parametrize("path", ["provider", "webhook"])
def test_plain_http_is_refused_and_the_error_names_the_switch(path, resolve_as, no_connections):
    resolve_as("93.184.216.34")
    if path == "provider":
        with pytest.raises(outbound.OutboundRefused) as refused:
            outbound.request("GET", "http://api.test/v1")
        message = str(refused.value)
    else:
        message = client.post("http://hooks.test/hook", body=b"{}", headers={}).error
    assert "https" in message and "HUB_ALLOW_LOCAL_TARGETS" in message
    assert no_connections == []


def test_a_name_with_one_bad_address_among_good_ones_is_refused(monkeypatch, no_connections):
    import socket

    def getaddrinfo(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(outbound.OutboundRefused, match="10.1.2.3"):
        outbound.request("GET", "https://mixed.test/")
    assert no_connections == []


def test_a_public_address_is_dialled_when_the_switch_is_off(resolve_as, no_connections):
    # The counterpart of the refusals: the same path does reach a public address (recorded, not made).
    resolve_as("93.184.216.34")
    with pytest.raises(outbound.OutboundError):
        outbound.request("GET", "https://api.test/v1")
    assert [a[0] for a in no_connections] == ["93.184.216.34"]
