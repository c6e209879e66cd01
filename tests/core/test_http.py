"""The HTTP seam: the checked address is the one dialled, redirects are answers, answers are capped."""

import socket

import pytest
import requests

from core import outbound
from tests.support.processes import free_port


def test_a_name_whose_second_resolution_differs_is_still_dialled_at_the_first_address(server, resolve_as, settings):
    # given a name answering loopback (our server) first, then another address (DNS rebinding);
    # the switch is on only so that loopback may be dialled at all
    settings.HUB_ALLOW_LOCAL_TARGETS = True
    lookups = resolve_as("127.0.0.1", "10.66.66.66")
    # when
    response = outbound.request("GET", f"http://rebind.test:{server.port}/v1")
    # then the name was resolved once and the request reached the first answer, with the name as Host
    assert response.status_code == 200
    assert lookups == ["rebind.test"]
    assert server.header_values("Host") == [f"rebind.test:{server.port}"]


def test_with_the_switch_off_the_connection_goes_to_the_checked_public_address(resolve_as, no_connections):
    # given a name answering a public address first and loopback afterwards
    lookups = resolve_as("93.184.216.34", "127.0.0.1")
    # when (the connection is recorded and refused, never made)
    with pytest.raises(outbound.OutboundError):
        outbound.request("GET", "https://rebind.test/v1")
    # then the dialled address is the checked one
    assert lookups == ["rebind.test"]
    assert [address[0] for address in no_connections] == ["93.184.216.34"]


def test_an_sdk_session_with_the_adapter_is_pinned_too(server, resolve_as, settings):
    # given a plain requests session, as an SDK builds it, with the seam's adapter mounted
    settings.HUB_ALLOW_LOCAL_TARGETS = True
    lookups = resolve_as("127.0.0.1", "10.66.66.66")
    session = requests.Session()
    session.mount("http://", outbound.PinnedAdapter())
    # when
    response = session.get(f"http://sdk.test:{server.port}/v1", timeout=2)
    # then
    assert response.status_code == 200 and lookups == ["sdk.test"]
    assert server.header_values("Host") == [f"sdk.test:{server.port}"]


def test_smtp_is_dialled_at_the_first_address_and_keeps_the_name(resolve_as, settings, smtp_server):
    # given an SMTP server on loopback and a name whose second answer differs
    settings.HUB_ALLOW_LOCAL_TARGETS = True
    _, port = smtp_server
    lookups = resolve_as("127.0.0.1", "10.66.66.66")
    # when
    smtp = outbound.smtp_connect("mail.test", port, implicit_tls=False, timeout=2)
    try:
        code, _ = smtp.ehlo()
        # then
        assert code == 250
        assert smtp._host == "mail.test"  # STARTTLS would check the certificate against the name
        assert smtp.sock.getpeername()[0] == "127.0.0.1"
    finally:
        smtp.quit()
    assert lookups == ["mail.test"]


def test_smtp_without_starttls_is_refused_outside_development_and_names_the_switch(monkeypatch, smtp_server):
    # given a loopback server without STARTTLS, reachable because the address policy is bypassed
    monkeypatch.setattr(outbound.policy, "address_refusal", lambda ip: None)
    _, port = smtp_server
    smtp = outbound.smtp_connect("127.0.0.1", port, implicit_tls=False, timeout=2)
    smtp.ehlo()
    with pytest.raises(outbound.OutboundRefused, match="STARTTLS.*HUB_ALLOW_LOCAL_TARGETS"):
        outbound.smtp_starttls(smtp)
    smtp.close()


@pytest.mark.parametrize("follow", [False, True])
def test_redirects_are_answers_never_followed(server, settings, follow):
    # given a server redirecting to the metadata service
    settings.HUB_ALLOW_LOCAL_TARGETS = True
    server.status, server.headers = 302, {"Location": "http://169.254.169.254/latest/meta-data/"}
    # when: even a caller (or an SDK) asking requests to follow redirects
    with outbound.PinnedSession() as session:
        response = session.get(f"{server.url}/start", allow_redirects=follow, timeout=2)
    # then
    assert response.status_code == 302
    assert len(server.header_values("Host")) == 1
    assert outbound.Outcome.of_status(response.status_code).kind == outbound.PERMANENT


def test_an_answer_above_the_cap_is_refused(server, settings):
    settings.HUB_ALLOW_LOCAL_TARGETS = True
    server.body = b"x" * 50_000
    with pytest.raises(outbound.OutboundTooLarge) as caught:
        outbound.request("GET", server.url, max_bytes=1000)
    assert caught.value.sent and caught.value.kind == outbound.PERMANENT


def test_an_answer_within_the_cap_is_read_whole(server, settings):
    settings.HUB_ALLOW_LOCAL_TARGETS = True
    server.body = b"x" * 1000
    assert outbound.request("GET", server.url, max_bytes=1000).content == b"x" * 1000


def test_a_truncating_session_keeps_the_first_bytes(server, settings):
    settings.HUB_ALLOW_LOCAL_TARGETS = True
    server.body = b"y" * 50_000
    with outbound.PinnedSession(max_bytes=100, truncate=True) as session:
        response = session.get(server.url, timeout=2)
    assert response.content == b"y" * 100 and response.truncated


def test_a_closed_port_is_a_retryable_failure_that_was_never_sent(settings):
    settings.HUB_ALLOW_LOCAL_TARGETS = True
    with pytest.raises(outbound.OutboundError) as caught:
        outbound.request("GET", f"http://127.0.0.1:{free_port()}/")
    assert caught.value.kind == outbound.RETRYABLE and not caught.value.sent


def test_an_unresolvable_name_is_retryable(monkeypatch):
    def fail(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    with pytest.raises(outbound.OutboundUnresolvable) as caught:
        outbound.request("GET", "https://nowhere.test/")
    assert outbound.Outcome.of_error(caught.value).kind == outbound.RETRYABLE
