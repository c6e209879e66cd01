"""Provider payload fixtures: real JSON shapes under tests/fixtures/<provider>/, read the one way."""

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def fixture_path(provider: str, name: str) -> Path:
    path = FIXTURES / provider / name
    if not path.is_file():
        raise FileNotFoundError(f"no provider fixture {provider}/{name} under {FIXTURES}")
    return path


def fixture_data(provider: str, name: str) -> Any:
    """Return a fixture's parsed JSON (a fresh copy each call, safe to change)."""
    return json.loads(fixture_path(provider, name).read_text())


def fixture_bytes(provider: str, name: str) -> bytes:
    """Return a fixture's payload as the provider would send it (compact JSON, no trailing newline)."""
    return json.dumps(fixture_data(provider, name), separators=(",", ":")).encode()
