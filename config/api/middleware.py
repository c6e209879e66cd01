"""Request-wide middleware: request ids, body size caps and rate-limit headers."""

import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from config.api.exceptions import error_response

_REQUEST_ID_OK = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Give every request an id (a sane incoming X-Request-Id is kept) and echo it back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-Id", "")
        request.request_id = incoming if _REQUEST_ID_OK.match(incoming) else uuid.uuid4().hex
        response = self.get_response(request)
        response["X-Request-Id"] = request.request_id
        return response


class BodySizeLimitMiddleware:
    """Answer 413 in the envelope before a view reads a body over MAX_REQUEST_BODY_BYTES."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.limit = settings.MAX_REQUEST_BODY_BYTES
        # Routes that stream their bodies and enforce their own limit (file uploads).
        self.exempt = [(method, re.compile(path)) for method, path in getattr(settings, "BODY_SIZE_LIMIT_EXEMPT", [])]

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any(request.method == method and path.match(request.path_info) for method, path in self.exempt):
            return self.get_response(request)
        length = request.META.get("CONTENT_LENGTH") or "0"
        try:
            size = int(length)
        except ValueError:
            return error_response(400, "Content-Length is not a number.")
        if size > self.limit:
            return error_response(
                413,
                f"The request body is {size} bytes; the limit is {self.limit} bytes.",
                {"limitBytes": self.limit},
            )
        return self.get_response(request)


class RateLimitHeadersMiddleware:
    """Copy the tightest rate-limit verdict of the request into X-RateLimit-* headers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        verdict = getattr(request, "rate_limit_verdict", None)
        if verdict is not None:
            response["X-RateLimit-Limit"] = str(verdict.limit)
            response["X-RateLimit-Remaining"] = str(max(verdict.remaining, 0))
            response["X-RateLimit-Reset"] = str(verdict.reset_at)
        return response
