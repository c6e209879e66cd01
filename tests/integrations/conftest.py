"""Fixtures of the integrations tests: loopback targets allowed, no receiver cache, signed deliveries."""

import pytest

from tests.support.payloads import fixture_bytes, fixture_data  # noqa: F401 (the folder's tests import them here)


@pytest.fixture(autouse=True)
def _loopback_allowed(settings) -> None:
    # Provider stand-ins listen on 127.0.0.1, which the SSRF guard refuses by default.
    settings.HUB_ALLOW_LOCAL_TARGETS = True
    settings.INTEGRATIONS_HTTP_TIMEOUT_SECONDS = 2
    # Tests change integrations behind the receiver's back; its short cache is tested on its own.
    settings.INBOUND_INTEGRATION_CACHE_SECONDS = 0
