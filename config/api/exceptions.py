"""The error envelope: every 4xx/5xx answers {statusCode, error, message, details}."""

import logging
from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, JsonResponse
from djangorestframework_camel_case.util import camelize_re, underscore_to_camel
from rest_framework import exceptions, status
from rest_framework.response import Response

from core.errors import ApplicationError, Conflict, InvalidInput, RateLimited

logger = logging.getLogger(__name__)

__all__ = ["Conflict", "MissingScope", "PayloadTooLarge", "envelope", "error_response", "exception_handler"]


class MissingScope(exceptions.PermissionDenied):
    """403 naming the scopes the caller lacks."""

    def __init__(self, required_scopes: list[str]) -> None:
        super().__init__(f"This API key lacks the scope(s) this endpoint requires: {', '.join(required_scopes)}.")
        self.required_scopes = required_scopes


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


def reason(status_code: int) -> str:
    """Return the HTTP reason phrase for a status code."""
    try:
        return HTTPStatus(status_code).phrase
    except ValueError:
        return "Error"


def envelope(status_code: int, message: str, details: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """Return the error body of the wire conventions (docs/architecture.md)."""
    body: dict[str, Any] = {
        "statusCode": status_code,
        "error": reason(status_code),
        "message": message,
        "details": details or {},
    }
    body.update(extra)
    return body


def error_response(status_code: int, message: str, details: dict[str, Any] | None = None, **extra: Any) -> JsonResponse:
    """Return a plain Django JsonResponse carrying the envelope (for middleware and handlers)."""
    return JsonResponse(envelope(status_code, message, details, **extra), status=status_code)


def _first_message(detail: Any) -> str:
    if isinstance(detail, list) and detail:
        # A list of per-item errors holds {} for the valid items: name the first failing one.
        failing = [(k, d) for k, d in enumerate(detail) if d not in ({}, [], "", None)]
        if failing and isinstance(failing[0][1], dict):
            index, inner = failing[0]
            return f"[{index}]." + _first_message(inner)
        return _first_message(failing[0][1] if failing else detail[0])
    if isinstance(detail, dict) and detail:
        key, value = next(iter(detail.items()))
        inner = _first_message(value)
        # camelCase, as the renderer writes the same key in `details`
        if key == "non_field_errors":
            return inner
        name = camelize_re.sub(underscore_to_camel, str(key))
        # "items" + "[1].quantity: …" reads "items[1].quantity: …"
        return f"{name}{inner}" if inner.startswith("[") else f"{name}: {inner}"
    return str(detail)


def _plain(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {key: _plain(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_plain(value) for value in detail]
    return str(detail)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF exception handler answering every error in the envelope."""
    from rest_framework.views import set_rollback  # not at import time: views imports settings

    if isinstance(exc, ApplicationError):
        set_rollback()
        return _application_error(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, DataError):
        # The database refused a value the request carried (a date or number beyond what it
        # stores): the caller's input, answered as such; logged in case a check is missing.
        logger.warning("Database refused a request value: %s", str(exc).splitlines()[0])
        exc = exceptions.ValidationError({"errors": ["A value in the request is outside what can be stored."]})
    elif isinstance(exc, DjangoValidationError):
        # e.g. a malformed UUID reaching a queryset filter: the caller's input, not our crash
        exc = exceptions.ValidationError({"errors": list(exc.messages)})

    if not isinstance(exc, exceptions.APIException):
        view = context.get("view")
        logger.exception("Unhandled error in %s", type(view).__name__ if view else "view")
        set_rollback()
        return Response(envelope(500, "An internal error occurred; it has been logged."), status=500)

    headers: dict[str, str] = {}
    extra: dict[str, Any] = {}
    details: dict[str, Any] = {}
    if isinstance(exc, exceptions.ValidationError):
        message = "The request is invalid: " + _first_message(exc.detail)
        details = _plain(exc.detail) if isinstance(exc.detail, dict) else {"errors": _plain(exc.detail)}
    else:
        message = str(exc.detail) if not isinstance(exc.detail, (dict, list)) else _first_message(exc.detail)
        if isinstance(exc.detail, dict):
            details = _plain(exc.detail)
    if isinstance(exc, MissingScope):
        extra["requiredScopes"] = exc.required_scopes
        details = {"requiredScopes": exc.required_scopes}
    if isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait or 1) if exc.wait is not None else 1
        wait = max(wait, 1)
        extra["retryAfter"] = wait
        headers["Retry-After"] = str(wait)
        message = f"Rate limit exceeded; retry in {wait} second(s)."
    if isinstance(exc, exceptions.NotAuthenticated):
        message = "Authentication required: send X-API-Key or Authorization: Bearer <token>."
    if isinstance(exc, (exceptions.AuthenticationFailed, exceptions.NotAuthenticated)):
        auth_header = getattr(exc, "auth_header", None)
        if auth_header:
            headers["WWW-Authenticate"] = auth_header
        exc.status_code = 401
    if getattr(exc, "auth_header", None) and "WWW-Authenticate" not in headers:
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]

    set_rollback()
    return Response(envelope(exc.status_code, message, details, **extra), status=exc.status_code, headers=headers)


def _application_error(exc: ApplicationError) -> Response:
    """Answer a service's ApplicationError: its status, message, details and headers, nothing else."""
    message = exc.message
    if isinstance(exc, InvalidInput) and exc.details:
        message = "The request is invalid: " + _first_message(exc.details)
    extra: dict[str, Any] = {"retryAfter": exc.retry_after} if isinstance(exc, RateLimited) else {}
    return Response(envelope(exc.status, message, exc.details, **extra), status=exc.status, headers=exc.headers)
