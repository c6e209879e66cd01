"""SMTP email through core.outbound: implicit TLS on port 465, else STARTTLS (required outside development).

Each recipient gets an email of their own (their address alone in To, over one connection),
so recipients of one message never see each other.
"""

import contextlib
import smtplib
from collections.abc import Callable, Mapping
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from messaging import outbound
from messaging.providers.base import Outgoing, SendError, SendResult

CHANNEL = "email"  # what messaging.providers attaches this adapter to


def build_email(sender: str, outgoing: Outgoing, recipient: str | None = None) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = recipient if recipient is not None else ", ".join(outgoing.recipients)
    email["Subject"] = outgoing.subject
    email["Message-ID"] = make_msgid(idstring=outgoing.message_id.replace("-", ""), domain=sender.split("@")[-1])
    email["X-Hub-Message-Id"] = outgoing.message_id
    email.set_content(outgoing.body_text or " ")
    if outgoing.body_html:
        email.add_alternative(outgoing.body_html, subtype="html")
    return email


def _kind_of_reply(code: int) -> str:
    if code in (421, 450, 451, 452) or 400 <= code < 500:
        return SendError.RETRYABLE  # transient: the server asks us to come back
    if code in (530, 534, 535):
        return SendError.PROVIDER  # authentication required or refused
    return SendError.REJECTED


def deliver(
    *,
    host: str,
    port: int,
    sender: str,
    outgoing: Outgoing,
    authenticate: Callable[[smtplib.SMTP], None],
) -> SendResult:
    """Connect (TLS as above), authenticate, send one email per recipient; failures become SendError."""
    emails = [build_email(sender, outgoing, recipient) for recipient in outgoing.recipients]
    try:
        client = outbound.smtp_open(host, port, implicit_tls=port == 465)
        try:
            client.ehlo()
            if port != 465:
                # STARTTLS when offered; outside development (HUB_ALLOW_LOCAL_TARGETS) a server without it is refused.
                outbound.smtp_starttls(client)
            authenticate(client)
            for email in emails:
                client.send_message(email)
        finally:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                client.quit()
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        kind = SendError.RETRYABLE if all(400 <= c < 500 for c in codes) else SendError.REJECTED
        raise SendError(kind, f"Recipients refused: {exc.recipients}", status_code=max(codes))
    except smtplib.SMTPResponseException as exc:
        message = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        raise SendError(_kind_of_reply(exc.smtp_code), f"SMTP {exc.smtp_code}: {message}", status_code=exc.smtp_code)
    except outbound.OutboundError as exc:
        raise outbound.send_error(exc) from exc
    except (smtplib.SMTPException, OSError) as exc:  # disconnects, timeouts, refused connections, TLS errors
        raise SendError(SendError.RETRYABLE, f"SMTP {host}:{port}: {type(exc).__name__}: {exc}")
    return SendResult(provider_message_id=emails[0]["Message-ID"].strip("<>"), status_code=250)


def send(values: Mapping[str, Any], outgoing: Outgoing) -> SendResult:
    sender = str(values.get("fromEmail") or values.get("username") or "")
    if not sender:
        raise SendError(SendError.PROVIDER, "The SMTP integration has no fromEmail.")

    def login(client: smtplib.SMTP) -> None:
        if values.get("username"):
            client.login(str(values["username"]), str(values.get("password") or ""))

    return deliver(
        host=str(values["host"]),
        port=int(values.get("port") or 587),
        sender=sender,
        outgoing=outgoing,
        authenticate=login,
    )
