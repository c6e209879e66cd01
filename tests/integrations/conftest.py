"""Fixtures of the integrations tests: integrations, loopback provider stand-ins, signed deliveries."""

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from integrations import services
from integrations.models import Integration

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_bytes(provider: str, name: str) -> bytes:
    """Return a fixture's payload as the provider would send it (compact JSON, no trailing newline)."""
    return json.dumps(json.loads((FIXTURES / provider / name).read_text()), separators=(",", ":")).encode()


def fixture_data(provider: str, name: str) -> Any:
    return json.loads((FIXTURES / provider / name).read_text())


@pytest.fixture(autouse=True)
def _loopback_allowed(settings) -> None:
    # Provider stand-ins listen on 127.0.0.1, which the SSRF guard refuses by default.
    settings.HUB_ALLOW_LOCAL_TARGETS = True
    settings.INTEGRATIONS_HTTP_TIMEOUT_SECONDS = 2
    # Tests change integrations behind the receiver's back; its short cache is tested on its own.
    settings.INBOUND_INTEGRATION_CACHE_SECONDS = 0


@pytest.fixture
def make_integration(db) -> Callable[..., Integration]:
    def make(company, provider: str, config: dict, name: str | None = None, status: str = "active") -> Integration:
        return services.integration_create(
            company_id=company.id,
            name=name or f"{provider} integration",
            provider=provider,
            config=config,
            status=status,
        )

    return make


class StandIn:
    """A loopback HTTP server answering with a programmable status and JSON body, recording requests."""

    def __init__(self) -> None:
        self.status = 200
        self.body: Any = {"ok": True}
        self.delay = 0.0
        self.requests: list[dict[str, Any]] = []
        self.responder: Callable[[dict[str, Any]], tuple[int, Any]] | None = None
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                record = {
                    "method": self.command,
                    "path": self.path,
                    "headers": dict(self.headers),
                    "body": self.rfile.read(length) if length else b"",
                }
                stand_in.requests.append(record)
                if stand_in.delay:
                    import time

                    time.sleep(stand_in.delay)
                status, body = stand_in.responder(record) if stand_in.responder else (stand_in.status, stand_in.body)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _answer

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    server = StandIn()
    yield server
    server.close()


@pytest.fixture
def post_inbound(api) -> Callable[..., Any]:
    """POST raw bytes to an integration's receiver, with extra headers given as HTTP header names."""

    def post(integration_id, body: bytes, headers: dict[str, str] | None = None, content_type="application/json"):
        meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in (headers or {}).items()}
        return api.generic("POST", f"/api/v1/inbound/{integration_id}/", body, content_type=content_type, **meta)

    return post
