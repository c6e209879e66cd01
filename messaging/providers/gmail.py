"""Gmail email over SMTP: XOAUTH2 with an access token refreshed from the OAuth refresh token, or an app password."""

import hashlib
import smtplib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from django.core.cache import cache

from accounts.crypto import decrypt_str, encrypt_str
from core import outbound as seam
from messaging.providers import smtp
from messaging.providers.base import Outgoing, SendError, SendResult

CHANNEL = "email"  # what messaging.providers attaches this adapter to

GMAIL_SCOPE = "https://mail.google.com/"
# An access token is refreshed this long before Google says it expires (a send can take a while).
REFRESH_MARGIN_SECONDS = 300


def _token_key(values: Mapping[str, Any]) -> str:
    # Keyed by the refresh token's hash too: a new refresh token never reuses an old access token.
    digest = hashlib.sha256(str(values.get("refreshToken") or "").encode()).hexdigest()[:16]
    return f"messaging:gmail-token:{values.get('_integrationId', '')}:{digest}"


def access_token(values: Mapping[str, Any]) -> str:
    """Return a valid access token: the cached one while it has more than the margin left, else a fresh one.

    google-auth performs the refresh-token grant; its HTTP goes through the seam (PinnedSession),
    so the token endpoint is checked like any other outbound target.
    """
    key = _token_key(values)
    cached = cache.get(key)
    if cached:
        return decrypt_str(cached)
    # google-auth is imported on first use, not by every process at start-up.
    import google.auth.exceptions
    import google.auth.transport.requests
    import google.oauth2.credentials

    credentials = google.oauth2.credentials.Credentials(
        token=None,
        refresh_token=str(values.get("refreshToken") or ""),
        client_id=str(values.get("clientId") or ""),
        client_secret=str(values.get("clientSecret") or ""),
        token_uri=str(values.get("tokenUri") or "https://oauth2.googleapis.com/token"),
        scopes=[GMAIL_SCOPE],
    )
    with seam.PinnedSession() as session:
        try:
            credentials.refresh(google.auth.transport.requests.Request(session=session))
        except google.auth.exceptions.RefreshError as exc:
            # invalid_grant and friends: our credentials, not a passing failure
            raise SendError(SendError.PROVIDER, f"Gmail token refresh refused: {str(exc.args[0])[:200]}")
        except google.auth.exceptions.TransportError as exc:
            raise SendError(SendError.RETRYABLE, f"Gmail token endpoint unreachable: {str(exc)[:200]}")
    expires_in = 3600.0
    if credentials.expiry is not None:
        expires_in = (credentials.expiry.replace(tzinfo=UTC) - datetime.now(UTC)).total_seconds()
    if expires_in > REFRESH_MARGIN_SECONDS + 1:
        cache.set(key, encrypt_str(credentials.token), timeout=int(expires_in - REFRESH_MARGIN_SECONDS))
    return str(credentials.token)


def xoauth2_string(user: str, token: str) -> str:
    """Return the SASL XOAUTH2 initial response (before base64), as Google documents it."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


def send(values: Mapping[str, Any], outgoing: Outgoing) -> SendResult:
    user = str(values.get("username") or "")
    if not user:
        raise SendError(SendError.PROVIDER, "The Gmail integration has no username (the Gmail address).")
    sender = str(values.get("fromEmail") or user)
    app_password = str(values.get("appPassword") or "")

    def authenticate(client: smtplib.SMTP) -> None:
        if app_password:
            client.login(user, app_password)
            return
        token = access_token(values)
        calls = []

        def respond(challenge: bytes | None = None) -> str:
            # First call: the initial response. A second call means the server sent an error
            # challenge (base64 JSON); an empty answer makes it finish with 535.
            calls.append(challenge)
            return xoauth2_string(user, token) if len(calls) == 1 else ""

        try:
            client.auth("XOAUTH2", respond, initial_response_ok=True)
        except smtplib.SMTPAuthenticationError:
            cache.delete(_token_key(values))  # the next try refreshes
            raise

    return smtp.deliver(
        host=str(values.get("host") or "smtp.gmail.com"),
        port=int(values.get("port") or 587),
        sender=sender,
        outgoing=outgoing,
        authenticate=authenticate,
    )
