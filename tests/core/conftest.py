"""Fixtures of the core tests: the switch off by default, a loopback HTTP server, a name we resolve ourselves."""

import socket
from collections.abc import Callable

import pytest

from tests.support.http import StandIn


@pytest.fixture(autouse=True)
def _switch_off(settings) -> None:
    settings.HUB_ALLOW_LOCAL_TARGETS = False


@pytest.fixture
def server(stand_in: StandIn) -> StandIn:
    """The loopback stand-in, answering bytes as they are (the seam's size caps count them)."""
    stand_in.body = b'{"ok": true}'
    return stand_in


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
