"""AWS SNS SMS: Publish to a phone number with boto3 (its HTTP through the seam), SMS type and sender id set."""

from collections.abc import Mapping
from typing import Any

from integrations.providers.aws_sns import SMS_TYPES, sns_client
from messaging import outbound
from messaging.providers.base import Outgoing, SendError, SendResult, classify_status

CHANNEL = "sms"  # what messaging.providers attaches this adapter to

# SNS error codes that say "not now" rather than "never" (the HTTP status says it too, mostly).
_RETRYABLE_CODES = {"Throttling", "ThrottlingException", "ThrottledException", "InternalError", "ServiceUnavailable"}
_PROVIDER_CODES = {"AuthorizationError", "InvalidClientTokenId", "SignatureDoesNotMatch", "OptedOut"}


def message_attributes(values: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    sms_type = str(values.get("smsType") or "Transactional").capitalize()
    attributes = {
        "AWS.SNS.SMS.SMSType": {
            "DataType": "String",
            "StringValue": sms_type if sms_type in SMS_TYPES else "Transactional",
        }
    }
    if values.get("senderId"):
        attributes["AWS.SNS.SMS.SenderID"] = {"DataType": "String", "StringValue": str(values["senderId"])}
    return attributes


def send(values: Mapping[str, Any], outgoing: Outgoing) -> SendResult:
    from botocore.exceptions import BotoCoreError, ClientError  # loaded with boto3, on first use

    client = sns_client(values, timeout=outbound.timeout_seconds())
    try:
        answer = client.publish(
            PhoneNumber=outgoing.recipients[0],
            Message=outgoing.body_text,
            MessageAttributes=message_attributes(values),
        )
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 400)
        kind = (
            SendError.RETRYABLE
            if code in _RETRYABLE_CODES
            else SendError.PROVIDER
            if code in _PROVIDER_CODES
            else classify_status(status)
        )
        raise SendError(kind, f"SNS {code}: {error.get('Message', '')}"[:500], status_code=status)
    except outbound.OutboundError as exc:
        raise outbound.send_error(exc) from exc
    except BotoCoreError as exc:
        raise SendError(SendError.RETRYABLE, f"SNS: {type(exc).__name__}: {exc}"[:500])
    return SendResult(provider_message_id=str(answer.get("MessageId", "")), status_code=200)
