"""The application-error family: what services raise, mapped once to the API's error envelope.

Services raise these (never DRF exceptions, never a bare ValueError for the caller's input);
`config.api.exceptions.exception_handler` turns any of them into
`{"statusCode", "error", "message", "details"}` with the error's status. Celery tasks and admin
actions catch them like any exception: they carry no HTTP machinery.
"""

from typing import Any, ClassVar

from django.core.exceptions import ObjectDoesNotExist, ValidationError


class ApplicationError(Exception):
    """A failure the caller can act on: `message` is one sentence, `details` the field errors or context.

    `status` defaults to the class's; a caller may override it for one raise (e.g. a gateway
    answer mapped to 402). `headers` are added to the HTTP answer (e.g. Retry-After).
    """

    status: ClassVar[int] = 400
    default_message: ClassVar[str] = "The request cannot be processed."

    def __init__(
        self,
        message: str | None = None,
        *,
        details: dict[str, Any] | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.details: dict[str, Any] = dict(details or {})
        self.headers: dict[str, str] = dict(headers or {})
        if status is not None:
            self.status = status  # type: ignore[misc]  # instance override of the class default
        super().__init__(self.message)


class InvalidInput(ApplicationError, ValueError):
    """400: the input is invalid; `details` maps camelCase field names (or paths) to messages.

    Also a ValueError, so a caller outside the API (admin forms, tasks) may catch it as one.

    The envelope's message names the first field error, as for DRF's validation errors
    ("The request is invalid: to: …"); `message` (default: that first error) is for logs.
    """

    status = 400

    def __init__(self, message: str | None = None, *, details: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(message or _first(details or {}) or "The request is invalid.", details=details, **kwargs)


class PermissionDenied(ApplicationError):
    status = 403
    default_message = "You do not have permission to perform this action."


class NotFound(ApplicationError):
    status = 404
    default_message = "Not found."


def not_found(resource: str) -> NotFound:
    """Return the 404 of one missing resource, worded alike everywhere: "<Resource> not found."."""
    return NotFound(f"{resource} not found.")


def get_or_not_found(queryset: Any, resource: str, **lookup: Any) -> Any:
    """Return the one row of `queryset` matching `lookup`, or raise `not_found(resource)`.

    A malformed id (not a UUID, say) is the same 404 as a missing one: the caller learns
    nothing more, and another company's row (absent from a scoped queryset) looks the same.
    """
    try:
        return queryset.get(**lookup)
    except (ObjectDoesNotExist, ValidationError, ValueError):
        raise not_found(resource) from None


class Conflict(ApplicationError):
    """409: the request conflicts with the resource's current state (details say how)."""

    status = 409
    default_message = "The request conflicts with the current state of the resource."


class Unprocessable(ApplicationError):
    status = 422
    default_message = "The request is well-formed but cannot be processed."


class RateLimited(ApplicationError):
    """429: answered with `retryAfter` (seconds) in the body and a Retry-After header."""

    status = 429
    default_message = "Rate limit exceeded."

    def __init__(self, message: str | None = None, *, retry_after: int = 1, **kwargs: Any) -> None:
        self.retry_after = max(int(retry_after), 1)
        kwargs.setdefault("headers", {})["Retry-After"] = str(self.retry_after)
        super().__init__(message or f"Rate limit exceeded; retry in {self.retry_after} second(s).", **kwargs)


class PaymentDeclined(ApplicationError):
    """402: the payment provider declined (the envelope's details carry the failed payment)."""

    status = 402
    default_message = "The payment was declined."


class UpstreamError(ApplicationError):
    """502: a provider failed or could not be reached."""

    status = 502
    default_message = "The provider failed or could not be reached."


class UpstreamTimeout(ApplicationError):
    """504: a provider did not answer in time; the outcome is unknown."""

    status = 504
    default_message = "The provider did not answer in time."


def _first(details: dict[str, Any]) -> str:
    for key, value in details.items():
        while isinstance(value, list | tuple) and value:
            value = value[0]
        return f"{key}: {value}"
    return ""
