"""The storage SDKs' HTTP, routed through core.outbound (SSRF policy, pinned address, timeouts, no redirects)."""

import io
from collections.abc import Iterator
from typing import Any

from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from django.conf import settings
from google.auth.transport.requests import AuthorizedSession
from google.auth.transport.requests import Request as GoogleAuthRequest

from core import outbound

# Answers of storage APIs are small, except object reads (migrations between storages): those
# are read whole by the seam, so the cap is the largest file a company may store.
_UNUSED_HEADERS = ("Expect",)  # 100-continue: urllib3 sends the body at once, as every S3 server accepts


def answer_cap() -> int:
    return int(settings.FILES_MAX_UPLOAD_BYTES_CEILING) + 1024 * 1024


def session() -> outbound.PinnedSession:
    """Return a seam session for storage calls (answers capped at the largest stored file)."""
    return outbound.PinnedSession(max_bytes=answer_cap())


class _Body(io.BytesIO):
    """What botocore reads an answer from: urllib3's `stream()` and `read(amt)` over the seam's bytes."""

    def stream(self, amt: int = 65536, decode_content: bool = True) -> Iterator[bytes]:
        while chunk := self.read(amt):
            yield chunk


class BotoSeam:
    """A botocore `before-send` handler: every S3 request goes out through the seam instead of botocore's pool.

    botocore has no pluggable transport, but a `before-send` handler that returns a response
    replaces the send (botocore.endpoint), so the signed request is dialled by core.outbound.
    """

    def __init__(self) -> None:
        self.session = session()

    def __call__(self, request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        headers = {k: v for k, v in request.headers.items() if k not in _UNUSED_HEADERS}
        body = request.body
        if body is not None and hasattr(body, "read") and hasattr(body, "seek"):
            body.seek(0)
        response = self.session.request(
            request.method,
            request.url,
            headers=headers,
            data=body if body is not None else None,
            timeout=outbound.timeouts(settings.FILES_PROVIDER_TIMEOUT_SECONDS),
            allow_redirects=False,
        )
        return AWSResponse(request.url, response.status_code, response.headers, _Body(response.content))


class PinnedAuthorizedSession(AuthorizedSession):
    """google-auth's session (adds the OAuth token) with the seam's adapter mounted: same policy as PinnedSession."""

    def __init__(self, credentials: Any) -> None:
        super().__init__(credentials, auth_request=GoogleAuthRequest(session=session()))
        self.trust_env = False
        adapter = outbound.PinnedAdapter(max_bytes=answer_cap())
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    def get_redirect_target(self, resp: Any) -> None:
        return None  # a 3xx is the answer, as in PinnedSession

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", outbound.timeouts(settings.FILES_PROVIDER_TIMEOUT_SECONDS))
        return super().request(method, url, *args, **kwargs)


def azure_transport() -> Any:
    """Return an azure-core transport whose requests session is the seam's."""
    from azure.core.pipeline.transport import RequestsTransport

    return RequestsTransport(
        session=session(),
        session_owner=True,
        connection_timeout=settings.OUTBOUND_CONNECT_TIMEOUT_SECONDS,
        read_timeout=settings.FILES_PROVIDER_TIMEOUT_SECONDS,
    )
