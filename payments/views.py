"""The payment endpoints of source API 003 and 004; thin: validate, call one service or selector, shape the answer."""

from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django_filters.utils import translate_validation
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.principal import get_principal
from accounts.scopes import PAYMENTS_READ, PAYMENTS_WRITE
from config.api.pagination import page_pagination
from core import idempotency, money
from core.errors import InvalidInput, NotFound, PaymentDeclined, UpstreamError, UpstreamTimeout
from integrations.models import Integration
from payments import selectors, services
from payments.filters import PaymentFilter, PaymentStatsFilter
from payments.models import Payment
from payments.serializers import (
    PaymentCreateSerializer,
    PaymentProcessedSerializer,
    PaymentSerializer,
    PaymentStatsSerializer,
    RefundByTransactionSerializer,
    RefundCreateSerializer,
    RefundResultSerializer,
    TestPaymentResultSerializer,
    TestPaymentSerializer,
)

GATEWAY_ERRORS = {
    400: OpenApiResponse(description="Invalid input, or no integration for the gateway"),
    402: OpenApiResponse(description="The gateway declined; details.payment is the failed payment"),
    502: OpenApiResponse(description="The gateway failed or could not be reached; details.payment"),
    504: OpenApiResponse(description="No answer in time; details.payment is left pending for reconciliation"),
}
REFUND_RESPONSES = {
    201: RefundResultSerializer,
    200: OpenApiResponse(RefundResultSerializer, description="An Idempotency-Key repeat: the first refund"),
    422: idempotency.REUSED_RESPONSE,
    **GATEWAY_ERRORS,
    400: OpenApiResponse(description="Invalid input, a payment that is not refundable, or over the remainder"),
}
# A test payment needs a payment method; these are the gateways' documented sandbox test sources.
TEST_SOURCES = {"stripe": "pm_card_visa", "square": "cnon:card-nonce-ok"}


def _gateway_error(outcome: str, message: str, details: dict[str, Any]) -> Exception:
    """Return the error answering a charge or refund the gateway did not complete."""
    if outcome == "declined":
        return PaymentDeclined(message, details=details)
    if outcome == "timeout":
        return UpstreamTimeout(message, details=details)
    return UpstreamError(message, details=details)


@extend_schema(tags=["payments"])
class PaymentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Charges and refunds through the company's gateway integrations."""

    required_scopes = {
        "list": [PAYMENTS_READ],
        "retrieve": [PAYMENTS_READ],
        "stats": [PAYMENTS_READ],
        "create": [PAYMENTS_WRITE],
        "refunds": [PAYMENTS_WRITE],
        "refund": [PAYMENTS_WRITE],
        "test": [PAYMENTS_WRITE],
    }
    rate_limit = "200/min"  # source API 004: payment endpoints, 200 requests per minute
    pagination_class = page_pagination("payments")
    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter
    lookup_value_regex = "[0-9a-fA-F-]{36}"

    queryset = Payment.objects.none()  # for the schema's model; requests use get_queryset()

    def get_queryset(self) -> QuerySet[Payment]:
        """The caller's company's payments with their refunds, newest first."""
        return selectors.payment_list(company_id=get_principal(self.request).company_id).prefetch_related("refunds")

    def _payment(self, request: Request, pk: str | UUID) -> Payment:
        try:
            return selectors.payment_get(company_id=get_principal(request).company_id, payment_id=pk)
        except (Payment.DoesNotExist, DjangoValidationError):  # another company's payment is simply not found
            raise NotFound("Payment not found.")

    def _integration(self, request: Request, data: dict[str, Any]) -> Integration:
        integration = selectors.gateway_integration(
            company_id=get_principal(request).company_id,
            gateway=data.get("gateway"),
            integration_id=data.get("integration_id"),
        )
        if integration is None:
            if data.get("integration_id"):
                raise InvalidInput(details={"integrationId": "No payment gateway integration with this id."})
            raise InvalidInput(
                details={"gateway": f"No active {data['gateway']} integration; create one under /api/v1/integrations."}
            )
        if data.get("gateway") and integration.provider != data["gateway"]:
            raise InvalidInput(details={"gateway": f"The integration is a {integration.provider} integration."})
        if not integration.is_active():
            raise InvalidInput(details={"integrationId": "The integration is inactive."})
        return integration

    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        """List payments, newest first, with their refunds."""
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=PaymentCreateSerializer,
        parameters=[idempotency.PARAMETER],
        responses={
            201: PaymentProcessedSerializer,
            200: OpenApiResponse(PaymentSerializer, description="An Idempotency-Key repeat: the first payment"),
            422: idempotency.REUSED_RESPONSE,
            **GATEWAY_ERRORS,
        },
    )
    def create(self, request: Request) -> Response:
        """Process a payment (source API 003 POST /payments/process); publishes payment.created, then the outcome."""
        idem = idempotency.from_request(request)
        serializer = PaymentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        principal = get_principal(request)
        order_id = serializer.validated_data.get("order_id")
        if order_id is not None and not selectors.order_exists(company_id=principal.company_id, order_id=order_id):
            raise InvalidInput(details={"orderId": "No order with this id."})  # another company's order included
        integration = self._integration(request, serializer.validated_data)
        result = services.payment_process(
            company_id=principal.company_id,
            integration=integration,
            data=serializer.to_input(),
            idempotency=idem,
            user_id=principal.user_id,
        )
        return self._charge_answer(request, result)

    def _charge_answer(self, request: Request, result: services.ProcessResult) -> Response:
        payment = self._payment(request, result.payment.id)
        if result.outcome == "replayed":
            return Response(PaymentSerializer(payment).data, headers=idempotency.REPLAYED_HEADER)
        if result.outcome in ("succeeded", "pending"):
            data = PaymentProcessedSerializer(payment).data
            data["client_secret"] = result.client_secret or None
            return Response(data, status=status.HTTP_201_CREATED)
        details = {"payment": PaymentSerializer(payment).data}
        if result.outcome in ("timeout", "unknown"):
            message = "The gateway's answer is unknown; the payment is pending until the gateway reports it."
        else:
            message = f"The payment failed: {payment.failure_message or payment.failure_code}"
        raise _gateway_error(result.outcome, message, details)

    @extend_schema(responses=PaymentSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        """Get one payment with its refunds."""
        return Response(PaymentSerializer(self._payment(request, pk)).data)

    def _refund_answer(self, request: Request, result: services.RefundResult) -> Response:
        payment = self._payment(request, result.payment.id)
        body = RefundResultSerializer({"refund": result.refund, "payment": payment}).data
        if result.outcome == "replayed":
            return Response(body, headers=idempotency.REPLAYED_HEADER)
        if result.outcome in ("succeeded", "pending"):
            return Response(body, status=status.HTTP_201_CREATED)
        if result.outcome in ("timeout", "unknown"):
            message = "The gateway's answer is unknown; the refund is pending until the gateway reports it."
        else:
            message = f"The refund failed: {result.refund.failure_message or result.refund.failure_code}"
        raise _gateway_error(result.outcome, message, dict(body))

    def _refund(self, request: Request, payment: Payment, data: dict[str, Any]) -> Response:
        principal = get_principal(request)
        # The payment is part of the fingerprint: POST payments/refund names it in the body, refunds in the path.
        idem = idempotency.from_request(request, {"payment": str(payment.id), **request.data})
        result = services.refund_create(
            company_id=principal.company_id,
            payment_id=payment.id,
            amount=data.get("amount"),
            reason=data.get("reason", ""),
            metadata=data.get("metadata") or {},
            idempotency=idem,
            user_id=principal.user_id,
        )
        return self._refund_answer(request, result)

    @extend_schema(
        request=RefundCreateSerializer,
        parameters=[idempotency.PARAMETER],
        responses=REFUND_RESPONSES,
    )
    @action(detail=True, methods=["post"])
    def refunds(self, request: Request, pk: str) -> Response:
        """Refund all (no amount) or part of a payment; publishes payment.refunded."""
        payment = self._payment(request, pk)
        serializer = RefundCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._refund(request, payment, serializer.validated_data)

    @extend_schema(
        request=RefundByTransactionSerializer,
        parameters=[idempotency.PARAMETER],
        responses=REFUND_RESPONSES,
    )
    @action(detail=False, methods=["post"])
    def refund(self, request: Request) -> Response:
        """Source API 003 POST /payments/refund: transactionId is our payment id or the gateway's transaction id."""
        serializer = RefundByTransactionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payment = selectors.payment_by_reference(
            company_id=get_principal(request).company_id, reference=serializer.validated_data["transaction_id"]
        )
        if payment is None:
            raise NotFound("Payment not found.")
        return self._refund(request, payment, serializer.validated_data)

    @extend_schema(filters=True, responses=PaymentStatsSerializer)
    @action(detail=False, methods=["get"], filterset_class=PaymentStatsFilter, pagination_class=None)
    def stats(self, request: Request) -> Response:
        """Source API 003 GET /payments/status: counts, volumes and averages over a period, by gateway."""
        query = PaymentStatsFilter(request.query_params, queryset=Payment.objects.none())
        if not query.is_valid():
            raise translate_validation(query.errors)
        data = selectors.payment_stats(
            company_id=get_principal(request).company_id,
            start=query.form.cleaned_data.get("startDate"),
            end=query.form.cleaned_data.get("endDate"),
            gateway=query.form.cleaned_data.get("gateway") or None,
        )
        return Response(data)

    @extend_schema(
        request=TestPaymentSerializer,
        responses={200: TestPaymentResultSerializer, 400: OpenApiResponse(description="Invalid input")},
    )
    @action(detail=False, methods=["post"])
    def test(self, request: Request) -> Response:
        """Source API 004 POST /integrations/test/payment: a small charge through a sandbox (test-mode) integration."""
        serializer = TestPaymentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        integration = self._integration(request, data)
        if str(integration.values().get("secretKey", "")).startswith(("sk_live_", "rk_live_")):
            raise InvalidInput(details={"integrationId": "Test payments run only through test-mode (sk_test_) keys."})
        source = data["payment_method_id"] or TEST_SOURCES.get(integration.provider, "")
        if not source:
            raise InvalidInput(details={"paymentMethodId": f"A {integration.provider} test payment needs one."})
        principal = get_principal(request)
        result = services.payment_process(
            company_id=principal.company_id,
            integration=integration,
            data=services.PaymentInput(
                amount=data["amount"],
                currency=data["currency"],
                payment_method_id=source,
                description="Test payment",
                metadata={"test": True, **({"orderReference": data["order_id"]} if data["order_id"] else {})},
                is_test=True,
            ),
            user_id=principal.user_id,
        )
        # source API 004 answers a test's outcome, success or not, as data: 200 with success false.
        payment = self._payment(request, result.payment.id)
        return Response(
            {
                "success": payment.status == Payment.Status.SUCCEEDED,
                "payment_id": payment.id,
                "transaction_id": payment.gateway_transaction_id,
                "status": payment.status,
                "amount": money.as_str(payment.amount, payment.currency),
                "currency": payment.currency,
                "gateway": payment.gateway,
                "outcome": result.outcome,
                "failure_code": payment.failure_code or None,
                "failure_message": payment.failure_message or None,
            }
        )
