"""Fixtures of the core tests: the switch off by default, a loopback HTTP server, a name we resolve ourselves."""

import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

# The messaging stand-ins, borrowed by the circuit breaker's cross-process test.
from tests.messaging.conftest import make_integration, smtp_server, stand_in  # noqa: F401


@pytest.fixture(autouse=True)
def _switch_off(settings) -> None:
    settings.HUB_ALLOW_LOCAL_TARGETS = False


@dataclass
class Server:
    """A loopback HTTP server whose answer a test sets; records the Host header of each request."""

    status: int = 200
    body: bytes = b'{"ok": true}'
    headers: dict[str, str] = field(default_factory=dict)
    hosts: list[str] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def server() -> Iterator[Server]:
    state = Server()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            state.hosts.append(self.headers.get("Host", ""))
            self.send_response(state.status)
            for name, value in state.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(state.body)))
            self.end_headers()
            self.wfile.write(state.body)

        do_GET = do_POST = _answer

        def log_message(self, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    state.port = httpd.server_address[1]
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield state
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def resolve_as(monkeypatch) -> Callable[..., list[str]]:
    """Make names ending in .test resolve to the given answers (one per lookup, the last repeating).

    Returns the list of names looked up, so a test can count resolutions.
    """
    lookups: list[str] = []
    real = socket.getaddrinfo

    def install(*answers: str) -> list[str]:
        def getaddrinfo(host, port, *args, **kwargs):
            if not str(host).endswith(".test"):
                return real(host, port, *args, **kwargs)  # IP literals the seam dials
            lookups.append(host)
            address = answers[min(len(lookups) - 1, len(answers) - 1)]
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            sockaddr = (address, port, 0, 0) if family == socket.AF_INET6 else (address, port)
            return [(family, socket.SOCK_STREAM, 6, "", sockaddr)]

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        return lookups

    return install


@pytest.fixture
def no_connections(monkeypatch) -> list[tuple]:
    """Record (and refuse) every TCP connection attempt: a refused target must never be dialled."""
    attempts: list[tuple] = []

    def refuse(address, *args, **kwargs):
        attempts.append(address)
        raise ConnectionRefusedError("connections are recorded, not made, in this test")

    import urllib3.util.connection

    monkeypatch.setattr(urllib3.util.connection, "create_connection", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    return attempts
