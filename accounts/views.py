"""Auth (JWT) and API-key endpoints; thin: validate, call one service, shape the answer."""

from collections.abc import Mapping

from django.conf import settings
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from accounts import selectors, services
from accounts.lockout import login_lockout_seconds
from accounts.models import ApiKey, Company, Membership
from accounts.permissions import IsCompanyManager
from accounts.principal import get_principal
from accounts.serializers import (
    ApiKeyCreatedSerializer,
    ApiKeyRotateSerializer,
    ApiKeySerializer,
    ApiKeyUpdateSerializer,
    ApiKeyUsageSerializer,
    ApiKeyWriteSerializer,
    CompanyTokenObtainSerializer,
    MeSerializer,
    RotatingTokenRefreshSerializer,
    TokenPairSerializer,
)
from accounts.throttling import EndpointRateThrottle, client_ip
from config.api.pagination import page_pagination
from core.errors import Conflict, RateLimited, get_or_not_found


class _AuthRateLimited:
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [EndpointRateThrottle]
    rate_limit_name = "auth"

    @property
    def rate_limit(self) -> str:
        return settings.AUTH_RATE_LIMIT


@extend_schema(tags=["auth"], responses=TokenPairSerializer)
class TokenObtainView(_AuthRateLimited, TokenObtainPairView):
    """Sign in with username and password (and `company` when you belong to several)."""

    serializer_class = CompanyTokenObtainSerializer

    def post(self, request: Request, *args, **kwargs) -> Response:
        # Said plainly here; LoginLockoutBackend enforces the same lock inside authenticate().
        data = request.data if isinstance(request.data, Mapping) else {}
        wait = login_lockout_seconds(username=str(data.get("username") or ""), ip=client_ip(request))
        if wait:
            raise RateLimited(
                f"Too many failed sign-ins for this account or address; retry in {wait} second(s).", retry_after=wait
            )
        return super().post(request, *args, **kwargs)


@extend_schema(tags=["auth"])
class TokenRefreshApiView(_AuthRateLimited, TokenRefreshView):
    """Exchange a refresh token for a new access token and a new refresh token (same company).

    Refresh tokens are single-use: the one sent is blacklisted, and reusing it answers 401.
    """

    serializer_class = RotatingTokenRefreshSerializer


@extend_schema(tags=["auth"], responses=MeSerializer)
class MeView(APIView):
    """The signed-in person, their company and role."""

    def get(self, request: Request) -> Response:
        principal = get_principal(request)
        if principal.is_api_key:
            company = get_or_not_found(Company.objects.all(), "Company", pk=principal.company_id)
            return Response(
                {
                    "user": None,
                    "apiKey": {"id": str(principal.api_key_id)},
                    "company": {"id": str(company.pk), "name": company.name, "slug": company.slug},
                    "role": None,
                    "scopes": sorted(principal.scopes),
                }
            )
        membership = Membership.objects.select_related("user", "company").get(
            user_id=principal.user_id, company_id=principal.company_id
        )
        user = membership.user
        return Response(
            {
                "user": {"id": user.pk, "username": user.username, "email": user.email, "name": user.get_full_name()},
                "company": {
                    "id": str(membership.company_id),
                    "name": membership.company.name,
                    "slug": membership.company.slug,
                },
                "role": membership.role,
                "scopes": sorted(principal.scopes),
            }
        )


@extend_schema(tags=["api-keys"])
class ApiKeyViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """API keys of the caller's company. Owners and admins only, by JWT; keys cannot manage keys."""

    permission_classes = [IsCompanyManager]
    pagination_class = page_pagination("apiKeys")
    serializer_class = ApiKeySerializer
    queryset = ApiKey.objects.none()  # for the schema's model; requests use get_queryset()
    lookup_value_regex = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

    def _get(self, request: Request, pk: str):
        return get_or_not_found(selectors.api_key_list(company_id=get_principal(request).company_id), "API key", pk=pk)

    def get_queryset(self) -> QuerySet[ApiKey]:
        """The caller's company's keys, newest first."""
        return selectors.api_key_list(company_id=get_principal(self.request).company_id)

    @extend_schema(request=ApiKeyWriteSerializer, responses={201: ApiKeyCreatedSerializer})
    def create(self, request: Request) -> Response:
        serializer = ApiKeyWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        principal = get_principal(request)
        api_key, raw = services.api_key_create(
            company_id=principal.company_id, created_by=request.user, **serializer.validated_data
        )
        data = ApiKeyCreatedSerializer(api_key, context={"raw_key": raw}).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=ApiKeySerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(ApiKeySerializer(self._get(request, pk)).data)

    @extend_schema(request=ApiKeyUpdateSerializer, responses=ApiKeySerializer)
    def update(self, request: Request, pk: str) -> Response:
        api_key = self._get(request, pk)
        serializer = ApiKeyUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        api_key = services.api_key_update(api_key=api_key, **serializer.validated_data)
        return Response(ApiKeySerializer(api_key).data)

    @extend_schema(request=ApiKeyUpdateSerializer, responses=ApiKeySerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk)

    @extend_schema(responses=ApiKeySerializer)
    def destroy(self, request: Request, pk: str) -> Response:
        """Revoke the key (soft delete): it stays listed with status `revoked`."""
        api_key = services.api_key_revoke(api_key=self._get(request, pk))
        return Response(ApiKeySerializer(api_key).data)

    @extend_schema(request=ApiKeyRotateSerializer, responses={201: ApiKeyCreatedSerializer})
    @action(detail=True, methods=["post"])
    def rotate(self, request: Request, pk: str) -> Response:
        """Issue a replacement key; the old one keeps working for `graceHours` (default 24)."""
        api_key = self._get(request, pk)
        if api_key.effective_status() != "active":
            raise Conflict(f"Only an active key can be rotated; this one is {api_key.effective_status()}.")
        serializer = ApiKeyRotateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        new_key, raw = services.api_key_rotate(
            api_key=api_key, grace_hours=serializer.validated_data.get("grace_hours"), created_by=request.user
        )
        return Response(ApiKeyCreatedSerializer(new_key, context={"raw_key": raw}).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=ApiKeyUsageSerializer)
    @action(detail=True, methods=["get"])
    def usage(self, request: Request, pk: str) -> Response:
        """Requests in total, per day (30 days), by endpoint and by status class."""
        return Response(selectors.api_key_usage(api_key=self._get(request, pk)))
