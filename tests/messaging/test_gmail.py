"""Gmail over a real SMTP server (aiosmtpd) implementing AUTH XOAUTH2, with Google's token endpoint on loopback."""

import base64
import json
from collections.abc import Iterator
from email import message_from_bytes
from typing import Any
from urllib.parse import parse_qs

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from messaging.providers import adapter_for
from messaging.providers.base import Outgoing, SendError
from tests.conftest import free_port
from tests.support.http import StandIn
from tests.support.smtp import SmtpRecorder

USER = "shop.alerts@gmail.com"
APP_PASSWORD = "abcd efgh ijkl mnop"
EMAIL = Outgoing(
    message_id="6f1c7a52-0000-4000-8000-0000000000bb",
    channel="email",
    recipients=["customer@example.com"],
    subject="Your order",
    body_text="Thanks!",
)


class GmailLikeHandler(SmtpRecorder):
    """Accepts XOAUTH2 only with a token the token endpoint issued, as Gmail does; records what it saw."""

    def __init__(self) -> None:
        super().__init__()
        self.valid_tokens: set[str] = set()
        self.xoauth2_lines: list[str] = []

    async def auth_XOAUTH2(self, server: Any, args: list[str]) -> AuthResult:
        raw = base64.b64decode(args[1]).decode() if len(args) > 1 else ""
        self.xoauth2_lines.append(raw)
        fields = dict(part.split("=", 1) for part in raw.split("\x01") if "=" in part)
        token = fields.get("auth", "").removeprefix("Bearer ")
        if fields.get("user") == USER and token in self.valid_tokens:
            return AuthResult(success=True, auth_data=fields["user"])
        # Gmail's failure: a 334 challenge carrying a JSON error, then 535 after the client's empty line.
        await server.challenge_auth(
            json.dumps({"status": "401", "schemes": "Bearer", "scope": "https://mail.google.com/"})
        )
        return AuthResult(success=False, handled=False)


def _app_password_check(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == USER
    # handled=False: aiosmtpd then answers 535 itself (its default leaves the client waiting)
    return AuthResult(success=ok and auth_data.password.decode() == APP_PASSWORD, handled=False)


@pytest.fixture
def gmail_smtp() -> Iterator[tuple[GmailLikeHandler, int]]:
    handler = GmailLikeHandler()
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        auth_require_tls=False,
        authenticator=_app_password_check,
        auth_exclude_mechanism=["LOGIN"],  # Gmail offers PLAIN and XOAUTH2, and so does this stand-in
    )
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def token_endpoint(stand_in: StandIn) -> StandIn:
    stand_in.body = {"access_token": "ya29.a0AfH6SMB-test-token", "expires_in": 3599, "token_type": "Bearer"}
    return stand_in


def gmail_config(port: int, token_url: str, **extra: str) -> dict[str, Any]:
    return {
        "username": USER,
        "clientId": "1234.apps.googleusercontent.com",
        "clientSecret": "GOCSPX-client-secret",
        "refreshToken": "1//0refresh-token",
        "tokenUri": f"{token_url}/token",
        "host": "127.0.0.1",
        "port": port,
        "_integrationId": f"gmail-{port}",
        **extra,
    }


@pytest.mark.django_db
def test_gmail_refreshes_the_access_token_once_and_authenticates_with_xoauth2(gmail_smtp, token_endpoint):
    handler, port = gmail_smtp
    handler.valid_tokens.add("ya29.a0AfH6SMB-test-token")
    config = gmail_config(port, token_endpoint.url)
    # when: two sends
    adapter_for("gmail")(config, EMAIL)
    adapter_for("gmail")(config, EMAIL)
    # then: one refresh-token grant (the token is good for an hour), two XOAUTH2 logins with it
    assert len(token_endpoint.requests) == 1
    grant = parse_qs(token_endpoint.requests[0]["body"].decode())
    assert grant["grant_type"] == ["refresh_token"] and grant["refresh_token"] == ["1//0refresh-token"]
    assert handler.xoauth2_lines == [f"user={USER}\x01auth=Bearer ya29.a0AfH6SMB-test-token\x01\x01"] * 2
    email = message_from_bytes(handler.envelopes[0].content)
    assert (email["From"], email["To"]) == (USER, "customer@example.com")


@pytest.mark.django_db
def test_a_token_about_to_expire_is_refreshed_before_the_next_send(gmail_smtp, token_endpoint):
    handler, port = gmail_smtp
    handler.valid_tokens.add("ya29.a0AfH6SMB-test-token")
    token_endpoint.body["expires_in"] = 120  # inside the 5-minute margin: never reused
    config = gmail_config(port, token_endpoint.url, _integrationId="gmail-short")
    adapter_for("gmail")(config, EMAIL)
    adapter_for("gmail")(config, EMAIL)
    assert len(token_endpoint.requests) == 2
    assert len(handler.envelopes) == 2


@pytest.mark.django_db
def test_a_refused_token_is_a_provider_error_and_is_not_reused(gmail_smtp, token_endpoint):
    handler, port = gmail_smtp  # knows no token
    config = gmail_config(port, token_endpoint.url, _integrationId="gmail-refused")
    with pytest.raises(SendError) as caught:
        adapter_for("gmail")(config, EMAIL)
    assert caught.value.kind == SendError.PROVIDER and caught.value.status_code == 535
    assert handler.envelopes == []
    handler.valid_tokens.add("ya29.a0AfH6SMB-test-token")
    adapter_for("gmail")(config, EMAIL)  # the failed token was dropped: a fresh grant, then it works
    assert len(token_endpoint.requests) == 2


@pytest.mark.django_db
def test_a_refresh_token_google_refuses_is_a_provider_error(gmail_smtp, token_endpoint):
    _, port = gmail_smtp
    token_endpoint.status = 400
    token_endpoint.body = {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
    with pytest.raises(SendError) as caught:
        adapter_for("gmail")(gmail_config(port, token_endpoint.url, _integrationId="gmail-revoked"), EMAIL)
    assert caught.value.kind == SendError.PROVIDER
    assert "invalid_grant" in str(caught.value)


@pytest.mark.django_db
def test_the_app_password_mode_logs_in_without_oauth(gmail_smtp, token_endpoint):
    handler, port = gmail_smtp
    config = {"username": USER, "appPassword": APP_PASSWORD, "host": "127.0.0.1", "port": port}
    adapter_for("gmail")(config, EMAIL)
    assert len(handler.envelopes) == 1
    assert token_endpoint.requests == []
    with pytest.raises(SendError) as caught:
        adapter_for("gmail")({**config, "appPassword": "wrong"}, EMAIL)
    assert caught.value.kind == SendError.PROVIDER
