"""Authentication: X-API-Key for partners, Bearer JWT (carrying one company) for people."""

from django.conf import settings
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from accounts.keys import api_key_bucket, api_key_hash, api_key_looks_valid, api_key_resolve
from accounts.principal import ApiKeyUser, Principal
from accounts.scopes import ROLE_SCOPES


class ApiKeyAuthentication(BaseAuthentication):
    """Authenticate `X-API-Key`; an unknown, malformed, revoked or expired key answers 401."""

    header = "HTTP_X_API_KEY"

    def authenticate(self, request: Request):
        raw = request.META.get(self.header)
        if raw is None:
            return None
        raw = raw.strip()
        if not api_key_looks_valid(raw):
            raise exceptions.AuthenticationFailed(
                f"Malformed API key: keys start with {settings.API_KEY_PREFIX!r} and are 47 characters long."
            )
        hashed = api_key_hash(raw)  # once per request: the lookup and the bucket both use it
        info, verdict = api_key_resolve(hashed, rate_limited=settings.RATE_LIMIT_ENABLED)
        if info is None:
            raise exceptions.AuthenticationFailed("Invalid API key.")
        if info.status == "revoked":
            raise exceptions.AuthenticationFailed("This API key has been revoked.")
        if info.expires_at is not None and info.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed("This API key has expired.")
        if not info.company_active:
            raise exceptions.AuthenticationFailed("The company of this API key is deactivated.")
        principal = Principal(
            kind="api_key",
            company_id=info.company_id,
            scopes=info.scopes,
            api_key_id=info.id,
            rate_limit=info.rate_limit,
            extra={"bucket": api_key_bucket(hashed)},
        )
        if verdict is not None:
            # Counted in the same Redis call as the lookup; ApiKeyRateThrottle enforces it.
            request._request.api_key_verdict = verdict
        request._request.principal = principal
        return ApiKeyUser(principal), principal

    def authenticate_header(self, request: Request) -> str:
        return 'ApiKey header="X-API-Key"'


class CompanyJWTAuthentication(JWTAuthentication):
    """simplejwt, plus the token's company: the membership is re-read so removals bite at once."""

    def authenticate(self, request: Request):
        header = self.get_header(request)
        if header is None:
            return None
        raw_token = self.get_raw_token(header)
        if raw_token is None:
            return None
        try:
            token = self.get_validated_token(raw_token)
        except InvalidToken as exc:
            raise exceptions.AuthenticationFailed("The access token is invalid or expired.") from exc
        except TokenError as exc:  # pragma: no cover - get_validated_token wraps these
            raise exceptions.AuthenticationFailed(str(exc)) from exc
        from accounts.models import Membership

        company_id = token.get("company_id")
        user_id = token.get(settings.SIMPLE_JWT.get("USER_ID_CLAIM", "user_id"))
        if not company_id or not user_id:
            raise exceptions.AuthenticationFailed("The access token carries no company.")
        membership = (
            Membership.objects.select_related("user", "company").filter(user_id=user_id, company_id=company_id).first()
        )
        if membership is None or not membership.user.is_active or not membership.company.is_active:
            raise exceptions.AuthenticationFailed("Your membership of this company is no longer active.")
        principal = Principal(
            kind="user",
            company_id=membership.company_id,
            scopes=ROLE_SCOPES[membership.role],
            user_id=membership.user_id,
            role=membership.role,
        )
        request._request.principal = principal
        return membership.user, principal


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "X-API-Key"}


class CompanyJWTScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.CompanyJWTAuthentication"
    name = "jwtAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
