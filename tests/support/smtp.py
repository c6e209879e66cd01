"""The SMTP stand-in's handler: a real aiosmtpd server keeps every accepted envelope, or refuses with `reply`."""

from typing import Any


class SmtpRecorder:
    """aiosmtpd handler that keeps every accepted envelope, or answers with `reply` (e.g. "451 ...")."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []
        self.reply: str | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.reply:
            return self.reply
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"
