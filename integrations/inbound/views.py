"""The public receiver: POST /api/v1/inbound/{integrationId}/, verified only by the provider's signature.

Order of checks: known and active integration (else 404), a provider that sends webhooks
(else 404), the signature over the raw bytes (else 401), a readable body (else 400); then
the event is stored once and processing is enqueued. Nothing unverified is stored or processed.
"""

from uuid import UUID

from django.conf import settings
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.exceptions import envelope
from integrations import services
from integrations.inbound.lookup import inbound_target
from integrations.providers import get_provider
from integrations.providers.base import InboundError, InboundRequest
from integrations.serializers import ErrorSerializer, InboundReceiptSerializer


def _refuse(status_code: int, message: str) -> Response:
    return Response(envelope(status_code, message), status=status_code)


def _public_url(request: Request) -> str:
    if settings.INTEGRATIONS_PUBLIC_BASE_URL:
        return settings.INTEGRATIONS_PUBLIC_BASE_URL.rstrip("/") + request.get_full_path()
    return request.build_absolute_uri()


@extend_schema(
    tags=["inbound"],
    auth=[],
    request={"application/json": OpenApiTypes.OBJECT, "application/x-www-form-urlencoded": OpenApiTypes.OBJECT},
    responses={
        200: InboundReceiptSerializer,
        400: OpenApiResponse(ErrorSerializer, description="Malformed body"),
        401: OpenApiResponse(ErrorSerializer, description="Missing or bad signature, or a stale timestamp"),
        404: OpenApiResponse(ErrorSerializer, description="Unknown or inactive integration, or no webhooks"),
        413: OpenApiResponse(ErrorSerializer, description="Body over 1 MB"),
        503: OpenApiResponse(ErrorSerializer, description="The provider's verification API is unreachable"),
    },
)
class InboundReceiverView(APIView):
    """Receive one provider webhook for an integration (see docs/integrations.md for each provider's setup)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    def post(self, request: Request, integration_id: str) -> Response:
        received_at = timezone.now()
        try:
            target = inbound_target(UUID(integration_id))
        except ValueError:
            target = None
        if target is None:
            return _refuse(404, "No integration has this id.")
        if not target.active:
            # The same answer as an unknown id: a paused integration neither stores nor reveals anything.
            services.inbound_rejection_record(target=target, reason="integration is inactive", status_code=404)
            return _refuse(404, "No integration has this id.")
        scheme = get_provider(target.provider).inbound
        if scheme is None:
            return _refuse(404, f"{target.provider} does not send webhooks to this hub.")
        inbound = InboundRequest(
            body=request.body,
            headers=request.headers,
            url=_public_url(request),
            content_type=request.content_type or "",
        )
        reply = scheme.unsigned_reply(inbound)
        if reply is not None:
            return Response(reply)
        try:
            scheme.verify(inbound, target.values)
            parsed = scheme.parse(inbound)
        except InboundError as exc:
            services.inbound_rejection_record(target=target, reason=str(exc), status_code=exc.status)
            return _refuse(exc.status, str(exc))
        receipt = services.inbound_event_record(target=target, parsed=parsed, request=inbound, received_at=received_at)
        if parsed.reply is not None:
            return Response(parsed.reply)
        return Response(
            InboundReceiptSerializer(
                {"received": True, "duplicate": receipt.duplicate, "event_id": receipt.event_id}
            ).data
        )
