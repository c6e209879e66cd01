"""Django-level error handlers (unknown routes, crashes) answering in the envelope."""

import logging

from django.http import HttpRequest, JsonResponse

from config.api.exceptions import error_response

logger = logging.getLogger(__name__)


def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return error_response(404, f"No route matches {request.method} {request.path}.")


def server_error(request: HttpRequest) -> JsonResponse:
    return error_response(500, "An internal error occurred; it has been logged.")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return error_response(400, "The request could not be understood.")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return error_response(403, "You do not have permission to perform this action.")
