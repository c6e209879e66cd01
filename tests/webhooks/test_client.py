"""The outbound HTTP seam: SSRF refusals, the address checked is the address used, no redirects, truncation."""

import socket

import pytest

from tests.support.http import Answer, StandIn, answer_ok
from webhooks import client

FORBIDDEN_URLS = [
    "https://127.0.0.1/hook",
    "https://127.1.2.3/hook",
    "https://0.0.0.0/hook",
    "https://[::1]/hook",
    "https://[::]/hook",
    "https://169.254.169.254/latest/meta-data/",
    "https://10.0.0.1/hook",
    "https://172.16.5.4/hook",
    "https://172.31.255.255/hook",
    "https://192.168.1.10/hook",
    "https://100.64.0.1/hook",
    "https://[fc00::1]/hook",
    "https://[fd00:ec2::254]/hook",
    "https://[fe80::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://224.0.0.1/hook",
    "https://2130706433/hook",  # 127.0.0.1 in decimal
    "https://0177.0.0.1/hook",  # 127.0.0.1 in octal
    "https://0x7f.0.0.1/hook",  # 127.0.0.1 in hex
    "https://017700000001/hook",  # 127.0.0.1 as one octal number
    "https://3232235777/hook",  # 192.168.1.1 in decimal
    "https://localhost/hook",  # a hostname resolving to loopback
]


@pytest.fixture
def strict(settings):
    settings.HUB_ALLOW_LOCAL_TARGETS = False


@pytest.mark.parametrize("url", FORBIDDEN_URLS)
def test_registration_refuses_forbidden_addresses(strict, url):
    with pytest.raises(client.UnsafeURLError):
        client.url_check(url)


@pytest.mark.parametrize("url", FORBIDDEN_URLS)
def test_sending_refuses_forbidden_addresses_without_connecting(strict, url):
    result = client.post(url, body=b"{}", headers={})
    assert result.error_kind == "unsafe_url" and result.status_code is None


def test_a_public_address_is_accepted(strict):
    client.url_check("https://93.184.216.34/hook")
    client.url_check("https://[2606:2800:220:1:248:1893:25c8:1946]/hook")


def test_plain_http_is_refused_unless_allowed(strict, settings):
    with pytest.raises(client.UnsafeURLError, match="https"):
        client.url_check("http://93.184.216.34/hook")
    settings.HUB_ALLOW_LOCAL_TARGETS = True
    client.url_check("http://93.184.216.34/hook")


def test_credentials_in_the_url_are_refused():
    with pytest.raises(client.UnsafeURLError, match="credentials"):
        client.url_check("https://user:pass@93.184.216.34/hook")


def test_a_loopback_receiver_is_never_reached_when_private_networks_are_refused(settings):
    settings.HUB_ALLOW_LOCAL_TARGETS = False
    with StandIn(answer_ok) as receiver:
        for host in ("127.0.0.1", "localhost", "2130706433", "0177.0.0.1"):
            result = client.post(f"http://{host}:{receiver.port}/hook", body=b"{}", headers={})
            assert result.error_kind == "unsafe_url", host
        assert receiver.requests == []


def test_a_name_with_any_forbidden_address_is_refused(strict, monkeypatch):
    # given a name answering a public and a private address
    def getaddrinfo(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    result = client.post("https://mixed.example/hook", body=b"{}", headers={})
    assert result.error_kind == "unsafe_url" and "10.1.2.3" in result.error


def test_dns_is_resolved_once_and_the_checked_address_is_the_one_connected_to(monkeypatch):
    # given a name whose answer changes after the first lookup (DNS rebinding)
    answers = ["127.0.0.1", "10.66.66.66"]
    calls = []
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host != "rebind.example":
            return real_getaddrinfo(host, port, *args, **kwargs)  # the connection itself uses an IP literal
        calls.append(host)
        address = answers[min(len(calls) - 1, 1)]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with StandIn(answer_ok) as receiver:
        # when
        result = client.post(f"http://rebind.example:{receiver.port}/hook", body=b"{}", headers={})
    # then the request reached the checked address, carrying the original Host
    assert result.status_code == 200
    assert calls == ["rebind.example"]
    assert receiver.requests[0].headers["host"] == f"rebind.example:{receiver.port}"


def test_redirects_are_not_followed():
    with StandIn(lambda request: Answer(302, headers={"Location": "http://169.254.169.254/"})) as receiver:
        result = client.post(receiver.url, body=b"{}", headers={})
    assert result.status_code == 302 and not result.ok
    assert len(receiver.requests) == 1


def test_the_response_body_is_truncated(settings):
    settings.WEBHOOK_RESPONSE_MAX_BYTES = 100
    with StandIn(lambda request: Answer(200, b"x" * 50_000)) as receiver:
        result = client.post(receiver.url, body=b"{}", headers={})
    assert result.ok and result.body == "x" * 100


def test_a_slow_receiver_times_out(settings):
    settings.WEBHOOK_READ_TIMEOUT = 1
    with StandIn(lambda request: Answer(200, delay=2)) as receiver:
        result = client.post(receiver.url, body=b"{}", headers={})
    assert result.error_kind == "timeout" and 900 <= result.duration_ms < 2000


def test_a_refused_connection_is_a_connection_error():
    with StandIn(answer_ok) as receiver:
        url = receiver.url
    result = client.post(url, body=b"{}", headers={})
    assert result.error_kind == "connection"
