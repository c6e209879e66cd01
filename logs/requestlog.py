"""API request logs: the middleware records each /api/ request into a buffer flushed in batches.

Like accounts.usage, recording must not put a database write on a request's critical path:
the middleware appends a small tuple to an in-process list (under a lock, ~2 µs), and a
daemon thread per process writes the buffer every LOG_REQUEST_FLUSH_SECONDS as one
multi-row INSERT. The buffer is bounded (LOG_REQUEST_BUFFER_MAX): if the database is down
for long, the oldest entries are dropped and counted rather than growing memory without
limit. A SIGKILLed process loses at most one interval; a graceful exit flushes.
Never recorded: bodies, query strings (they can carry credentials, e.g. WooCommerce's
consumer_secret) and header values other than the user agent.
"""

import ipaddress
import logging
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.urls import ResolverMatch

from accounts.buffering import BackgroundFlusher
from accounts.throttling import client_ip

logger = logging.getLogger(__name__)


class RequestLogBuffer(BackgroundFlusher):
    """Pending ApiRequestLog rows of this process, written by a background thread."""

    thread_name = "request-log-flush"

    def _clear(self) -> None:
        self._rows: list[dict[str, Any]] = []
        self.dropped = 0

    def interval(self) -> float:
        return settings.LOG_REQUEST_FLUSH_SECONDS

    def record(self, row: dict[str, Any]) -> None:
        """Queue one request's log (cheap: no I/O)."""
        with self._lock:
            self._rows.append(row)
            overflow = len(self._rows) - settings.LOG_REQUEST_BUFFER_MAX
            if overflow > 0:
                del self._rows[:overflow]
                self.dropped += overflow
        self._ensure_thread()

    def pending(self) -> int:
        with self._lock:
            return len(self._rows)

    def flush(self) -> int:
        """Write the buffered rows with one INSERT per batch; return how many were written."""
        with self._lock:
            rows, self._rows = self._rows, []
        if not rows:
            return 0
        from logs.models import ApiRequestLog

        try:
            ApiRequestLog.objects.bulk_create([ApiRequestLog(**row) for row in rows], batch_size=1000)
        except (OperationalError, InterfaceError):
            with self._lock:  # the database is unreachable: keep them (bounded by record())
                self._rows[:0] = rows
            raise
        except Exception:
            # Anything else would fail again on every retry: drop the batch, say so loudly.
            with self._lock:
                self.dropped += len(rows)
            raise
        return len(rows)


request_log_buffer = RequestLogBuffer()


def _text(value: str, limit: int) -> str:
    # PostgreSQL text cannot hold NUL; one such request must not make its whole batch fail.
    return value.replace("\x00", "")[:limit]


def _client_ip(request: HttpRequest) -> str | None:
    try:
        return str(ipaddress.ip_address(client_ip(request)))
    except ValueError:
        return None


class RequestLogMiddleware:
    """Record every /api/ request (after its response is known) into the request-log buffer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.prefix = settings.LOG_REQUEST_PATH_PREFIX

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.LOG_REQUESTS_ENABLED or not request.path.startswith(self.prefix):
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = (time.perf_counter() - started) * 1000
        try:
            request_log_buffer.record(self._row(request, response, duration_ms))
        except Exception:  # a log must never break the request it describes
            logger.exception("Could not record the API request log")
        return response

    @staticmethod
    def _row(request: HttpRequest, response: HttpResponse, duration_ms: float) -> dict[str, Any]:
        principal = getattr(request, "principal", None)
        match = request.resolver_match
        return {
            "company_id": getattr(principal, "company_id", None),
            "api_key_id": getattr(principal, "api_key_id", None),
            "user_id": getattr(principal, "user_id", None),
            "request_id": getattr(request, "request_id", "")[:64],
            "method": _text(request.method or "", 10),
            "path": _text(request.path, 500),
            "route": _text(route_template(match), 200),
            "status_code": response.status_code,
            "duration_ms": round(duration_ms, 3),
            "ip_address": _client_ip(request),
            "user_agent": _text(request.headers.get("User-Agent", ""), 300),
            "timestamp": datetime.now(UTC),
        }


_REGEX_GROUP = re.compile(r"\(\?P<(\w+)>(?:[^()]|\([^()]*\))*\)")
_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


def route_template(match: ResolverMatch | None) -> str:
    """Return the matched route as people write it, e.g. "api/v1/orders/{pk}" ("" when none matched).

    `match.route` joins the URL patterns as written: path() converters ("<uuid:pk>") and, for
    re_path(), raw regexes ("^monitoring/metrics/?$"); usage and metrics show this readable form.
    """
    if match is None or not match.route:
        return ""
    text = _REGEX_GROUP.sub(r"{\1}", match.route)
    text = _CONVERTER.sub(r"{\1}", text)
    for token in ("^", "$", "/?", "\\"):
        text = text.replace(token, "")
    return text
