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

import atexit
import contextlib
import ipaddress
import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)


class RequestLogBuffer:
    """Pending ApiRequestLog rows of this process, written by a background thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: list[dict[str, Any]] = []
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.dropped = 0

    def record(self, row: dict[str, Any]) -> None:
        """Queue one request's log (cheap: no I/O)."""
        with self._lock:
            self._rows.append(row)
            overflow = len(self._rows) - settings.LOG_REQUEST_BUFFER_MAX
            if overflow > 0:
                del self._rows[:overflow]
                self.dropped += overflow
        if self._thread is None and settings.LOG_REQUEST_FLUSH_SECONDS > 0:
            self._start()

    def pending(self) -> int:
        with self._lock:
            return len(self._rows)

    def _start(self) -> None:
        with self._lock:
            if self._thread is not None:
                return
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._run, args=(self._stop,), name="request-log-flush", daemon=True)
            self._thread.start()

    def _run(self, stop: threading.Event) -> None:
        interval = max(settings.LOG_REQUEST_FLUSH_SECONDS, 0.1)
        while not stop.wait(interval):
            try:
                self.flush()
            except Exception:  # the rows were put back; the next tick retries
                logger.exception("API request log flush failed")
            finally:
                connection.close()

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

    def stop(self) -> None:
        """Stop the flush thread (tests flush by hand) and drop what is pending."""
        with self._lock:
            self._stop.set()
            self._thread = None
            self._rows = []
            self.dropped = 0

    def reset_after_fork(self) -> None:
        self._lock = threading.Lock()
        self._rows = []
        self._thread = None
        self._stop = threading.Event()
        self.dropped = 0


request_log_buffer = RequestLogBuffer()
os.register_at_fork(after_in_child=request_log_buffer.reset_after_fork)


@atexit.register
def _flush_at_exit() -> None:
    with contextlib.suppress(Exception):
        request_log_buffer.flush()


def _text(value: str, limit: int) -> str:
    # PostgreSQL text cannot hold NUL; one such request must not make its whole batch fail.
    return value.replace("\x00", "")[:limit]


def _client_ip(request: HttpRequest) -> str | None:
    meta = request.META
    raw = meta.get("REMOTE_ADDR") or ""
    if settings.TRUST_X_FORWARDED_FOR and meta.get("HTTP_X_FORWARDED_FOR"):
        raw = meta["HTTP_X_FORWARDED_FOR"].split(",")[0].strip()
    try:
        return str(ipaddress.ip_address(raw))
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
            "route": _text(match.route if match and match.route else "", 200),
            "status_code": response.status_code,
            "duration_ms": round(duration_ms, 3),
            "ip_address": _client_ip(request),
            "user_agent": _text(request.headers.get("User-Agent", ""), 300),
            "timestamp": datetime.now(UTC),
        }
