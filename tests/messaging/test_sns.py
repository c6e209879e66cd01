"""AWS SNS SMS against moto's server mode: the published SMS is read back from moto's SNS backend."""

import pytest

from messaging import services
from messaging.models import Message
from messaging.providers import adapter_for
from messaging.providers.base import Outgoing, SendError
from tests.messaging.conftest import moto_sms, sns_config

pytestmark = pytest.mark.django_db


def test_an_sms_is_published_to_the_phone_number_through_sns(moto_endpoint):
    # given
    text = "Order #SNS-1 confirmed"
    outgoing = Outgoing(message_id="m-sns-1", channel="sms", recipients=["+14155550188"], body_text=text)
    # when
    result = adapter_for("aws_sns")(sns_config(moto_endpoint, senderId="ACME", smsType="Promotional"), outgoing)
    # then: moto's SNS backend holds the SMS under the id SNS answered
    published = {sms["message_id"]: sms for sms in moto_sms(moto_endpoint)}
    assert published[result.provider_message_id]["phone_number"] == "+14155550188"
    assert published[result.provider_message_id]["message"] == text


def test_a_message_goes_through_the_aws_sns_integration_and_is_sent(company, make_integration, moto_endpoint):
    # given: the company's only SMS provider is SNS
    make_integration(company, "aws_sns", sns_config(moto_endpoint), name="SNS")
    data = services.MessageInput(channel="sms", to=["+14155550199"], body_text="Your code is 4411")
    message = services.message_create(company_id=company.id, data=data, enqueue=False).message
    # when
    services.message_deliver(message_id=message.id)
    # then
    message.refresh_from_db()
    assert (message.status, message.provider) == ("sent", "aws_sns")
    assert any(s["message_id"] == message.provider_message_id for s in moto_sms(moto_endpoint))


def test_sns_calls_go_through_the_seam_so_private_endpoints_are_refused_outside_development(moto_endpoint, settings):
    settings.HUB_ALLOW_LOCAL_TARGETS = False
    outgoing = Outgoing(message_id="m-sns-2", channel="sms", recipients=["+14155550100"], body_text="x")
    with pytest.raises(SendError) as caught:
        adapter_for("aws_sns")(sns_config(moto_endpoint), outgoing)
    assert caught.value.kind == SendError.PROVIDER
    assert "HUB_ALLOW_LOCAL_TARGETS" in str(caught.value)


def test_an_sns_endpoint_that_does_not_answer_is_retryable(stand_in):
    stand_in.delay = 1.5  # the provider timeout is 1 s in tests
    outgoing = Outgoing(message_id="m-sns-3", channel="sms", recipients=["+14155550100"], body_text="x")
    with pytest.raises(SendError) as caught:
        adapter_for("aws_sns")(sns_config(stand_in.url), outgoing)
    assert caught.value.kind == SendError.RETRYABLE
    assert Message.objects.count() == 0
