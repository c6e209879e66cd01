"""AWS SNS (SMS): region and access keys; boto3 clients whose every HTTP call goes through core.outbound."""

import io
import time
from collections.abc import Mapping
from typing import Any

from django.conf import settings

from core import outbound
from integrations.providers.base import CheckResult, ConfigField, Provider

SMS_TYPES = ("Transactional", "Promotional")


class _RawBody(io.BytesIO):
    """The urllib3-like raw body botocore reads an AWSResponse from."""

    def stream(self, amt: int = 65536, decode_content: bool = True):
        while chunk := self.read(amt):
            yield chunk


def _send_through_seam(timeout: float):
    """A botocore `before-send` hook: the signed request goes out through the seam, not botocore's pool.

    botocore has no pluggable transport, but a `before-send` handler that returns a response
    replaces the send (the mechanism botocore's Stubber and moto use). The seam checks the
    endpoint against the SSRF policy, dials the checked address, caps the answer and times out.
    """

    from botocore.awsrequest import AWSResponse

    def send(request: Any, **kwargs: Any) -> AWSResponse:
        body = request.body
        if hasattr(body, "read"):
            body = body.read()
        response = outbound.request(
            request.method, request.url, headers=dict(request.headers.items()), data=body, timeout=timeout
        )
        return AWSResponse(request.url, response.status_code, response.headers, _RawBody(response.content))

    return send


def sns_client(values: Mapping[str, Any], *, timeout: float):
    """Return an SNS client for the integration's region and keys, its HTTP routed through the seam."""
    # boto3 is imported on first use: it costs every process (web, worker, manage.py) 0.2 s at start-up.
    import boto3
    from botocore.config import Config

    client = boto3.session.Session().client(
        "sns",
        region_name=str(values.get("region") or "us-east-1"),
        aws_access_key_id=str(values.get("accessKeyId") or ""),
        aws_secret_access_key=str(values.get("secretAccessKey") or ""),
        endpoint_url=str(values.get("endpointUrl") or "") or None,
        # The seam owns timeouts and retries belong to messaging's failover: botocore retries nothing.
        config=Config(retries={"total_max_attempts": 1}, connect_timeout=timeout, read_timeout=timeout),
    )
    client.meta.events.register("before-send.sns", _send_through_seam(timeout))
    return client


def check(values: Mapping[str, Any]) -> CheckResult:
    from botocore.exceptions import BotoCoreError, ClientError

    started = time.monotonic()
    try:
        sns_client(values, timeout=settings.INTEGRATIONS_HTTP_TIMEOUT_SECONDS).get_sms_attributes(
            attributes=["DefaultSMSType"]
        )
    except ClientError as exc:
        error = exc.response.get("Error", {})
        return CheckResult(
            "unhealthy",
            latency_ms=int((time.monotonic() - started) * 1000),
            error=f"SNS {error.get('Code', '')}: {error.get('Message', '')}"[:300],
            http_status=exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode"),
        )
    except (outbound.OutboundError, BotoCoreError) as exc:
        return CheckResult("error", latency_ms=int((time.monotonic() - started) * 1000), error=str(exc)[:300])
    return CheckResult("healthy", latency_ms=int((time.monotonic() - started) * 1000))


# Where this provider appears in lists (enums, error messages): see integrations/providers/__init__.py.
POSITION = 92

PROVIDER = Provider(
    key="aws_sns",
    label="AWS SNS (SMS)",
    category="messaging",
    fields=(
        ConfigField("region", "AWS region", required=True, default="us-east-1"),
        ConfigField("accessKeyId", "Access key id", required=True),
        ConfigField("secretAccessKey", "Secret access key", required=True, secret=True),
        ConfigField("endpointUrl", "Endpoint URL", kind="url", help="Only for a non-AWS endpoint (a local stand-in)."),
        ConfigField("senderId", "Sender id", help="AWS.SNS.SMS.SenderID, where the destination country allows one."),
        ConfigField("smsType", "SMS type", default="Transactional", help="Transactional or Promotional."),
    ),
    check=check,
    inbound=None,
    inbound_help="SNS reports SMS delivery to CloudWatch Logs, not to a webhook; messages stay 'sent'.",
)
