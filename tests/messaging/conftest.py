"""Fixtures of the messaging tests: provider configurations for the stand-ins, a Twilio answering, a sender key."""

import pytest

from integrations.models import Integration
from tests.support.http import StandIn
from tests.support.payloads import fixture_data
from tests.support.providers import TWILIO_SID, sendgrid_config, smtp_config, twilio_config  # noqa: F401 (re-exported)


@pytest.fixture(autouse=True)
def _messaging_settings(settings) -> None:
    # Provider stand-ins listen on 127.0.0.1, which the SSRF guard refuses by default.
    settings.HUB_ALLOW_LOCAL_TARGETS = True
    settings.MESSAGING_PROVIDER_TIMEOUT_SECONDS = 1
    settings.INBOUND_INTEGRATION_CACHE_SECONDS = 0


@pytest.fixture
def twilio_ok(stand_in: StandIn) -> StandIn:
    """A Twilio stand-in answering Messages.json with 201 and Twilio's message resource."""
    stand_in.status, stand_in.body = 201, fixture_data("twilio", "message_created.json")
    return stand_in


@pytest.fixture
def sms_integration(company, make_integration, twilio_ok) -> Integration:
    return make_integration(company, "twilio", twilio_config(twilio_ok.url), name="Twilio")


@pytest.fixture
def sender_headers(company, make_key) -> dict[str, str]:
    return make_key(company, scopes=["messages:send"])
