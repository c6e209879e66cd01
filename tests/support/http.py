"""The loopback HTTP stand-in for providers and subscribers: records every request, serves scripted answers.

Hand-written on http.server rather than pytest-httpserver because the stand-ins must also
serve TLS with a chosen certificate, stall an answer (timeout tests), run inside a `with`
block outside a test function (module fixtures), and script answers from the request count;
one small class does all of it, and every test folder uses this one.

Answers are chosen in this order: `answer()` in a subclass (stateful provider stores), the
first matching `route()`, the `responder` callable, then the default `status`/`body`/`headers`.
"""

import json
import re
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from requests.structures import CaseInsensitiveDict


@dataclass
class Request:
    """One recorded request; fields read as attributes or, in older tests, as items (`r["path"]`)."""

    method: str
    path: str  # as sent, query string included
    headers: CaseInsensitiveDict
    body: bytes
    n: int  # 1 for the first request this stand-in received
    at: float = field(default_factory=time.time)

    @property
    def route(self) -> str:
        """The path without its query string."""
        return urlsplit(self.path).path

    @property
    def query(self) -> dict[str, str]:
        """The query parameters, first value of each."""
        return {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def __getitem__(self, name: str) -> Any:
        return getattr(self, name)


@dataclass
class Answer:
    """What the stand-in sends back: bytes and str go as they are, anything else as JSON."""

    status: int = 200
    body: Any = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to stall before answering (client timeout tests)

    def payload(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


Responder = Callable[[Request], "Answer | tuple"]


class _QuietServer(ThreadingHTTPServer):
    """A client that gives up (timeout and TLS tests) is expected here, not an error to print."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, TimeoutError)):
            super().handle_error(request, client_address)


def _as_answer(result: "Answer | tuple") -> Answer:
    """Accept an Answer or a (status, body[, headers]) tuple."""
    return result if isinstance(result, Answer) else Answer(*result)


class StandIn:
    """A real HTTP(S) server on 127.0.0.1 with a free port, in a background thread."""

    def __init__(self, responder: Responder | None = None, *, tls: ssl.SSLContext | None = None) -> None:
        self.status = 200
        self.body: Any = {"ok": True}
        self.headers: dict[str, str] = {}
        self.delay = 0.0
        self.responder = responder
        self.routes: list[tuple[str, re.Pattern[str], Responder]] = []
        self.requests: list[Request] = []
        self.lock = threading.Lock()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with stand_in.lock:
                    request = Request(
                        self.command,
                        self.path,
                        CaseInsensitiveDict(self.headers.items()),
                        body,
                        len(stand_in.requests) + 1,
                    )
                    stand_in.requests.append(request)
                    answer = stand_in.answer(request)
                if answer.delay:
                    time.sleep(answer.delay)
                payload = answer.payload()
                try:
                    self.send_response(answer.status)
                    for name, value in {"Content-Type": "application/json", **answer.headers}.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up (a timeout test)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

            def log_message(self, *args: Any) -> None:
                pass

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.scheme = "https" if tls is not None else "http"
        self.port: int = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def route(
        self,
        method: str,
        path: str,
        status: int = 200,
        body: Any = None,
        *,
        delay: float = 0.0,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer METHOD path (a regex over path and query); a callable body gets the request and answers.

        The route added last wins, so a test can override a fixture's route.
        """
        if callable(body):
            answer: Responder = lambda request: _with_delay(_as_answer(body(request)), delay)  # noqa: E731
        else:
            answer = lambda request: Answer(status, body, headers or {}, delay)  # noqa: E731
        self.routes.insert(0, (method, re.compile(path), answer))

    def answer(self, request: Request) -> Answer:
        """Return the answer to a request (called under the lock; subclasses keep a provider's state)."""
        for method, pattern, respond in self.routes:
            if method == request.method and pattern.fullmatch(request.path):
                return respond(request)
        if self.responder is not None:
            return _as_answer(self.responder(request))
        return Answer(self.status, self.body, dict(self.headers), self.delay)

    def json_body(self, index: int = -1) -> Any:
        return self.requests[index].json

    def header_values(self, name: str) -> list[str]:
        """Return one header of every request received, in order."""
        with self.lock:
            return [r.headers[name] for r in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> "StandIn":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _with_delay(answer: Answer, delay: float) -> Answer:
    if delay and not answer.delay:
        answer.delay = delay
    return answer


def answer_ok(request: Request) -> Answer:
    """A subscriber's plain acknowledgement: 200 with the body "ok"."""
    return Answer()
