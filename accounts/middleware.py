"""Count each API-key request in the usage buffer once its status is known."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from accounts.usage import usage_buffer
from logs.requestlog import route_template


class ApiKeyUsageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        principal = getattr(request, "principal", None)
        if principal is not None and principal.api_key_id is not None:
            route = route_template(request.resolver_match)
            endpoint = f"{request.method} /{route}" if route else f"{request.method} {request.path}"
            usage_buffer.record(principal.api_key_id, endpoint, response.status_code)
        return response
