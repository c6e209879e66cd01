"""API shapes for auth and API keys (camelCase on the wire via the renderer)."""

from django.utils import timezone
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer

from accounts.models import ApiKey
from accounts.scopes import ALL_SCOPES
from accounts.selectors import membership_list_for_user
from config.api.fields import ModelSerializer, TimestampField


def validate_scopes(value: list[str]) -> list[str]:
    if not value:
        raise serializers.ValidationError(f"Give at least one scope. Allowed scopes: {', '.join(ALL_SCOPES)}.")
    unknown = sorted(set(value) - set(ALL_SCOPES))
    if unknown:
        raise serializers.ValidationError(
            f"Unknown scope(s): {', '.join(unknown)}. Allowed scopes: {', '.join(ALL_SCOPES)}."
        )
    return value


def validate_future(value):
    if value is not None and value <= timezone.now():
        raise serializers.ValidationError("expiresAt must be in the future.")
    return value


class ApiKeySerializer(ModelSerializer):
    status = serializers.SerializerMethodField()
    replaced_by_id = serializers.UUIDField(read_only=True, allow_null=True)

    class Meta:
        model = ApiKey
        fields = [
            "id",
            "name",
            "key_prefix",
            "scopes",
            "rate_limit",
            "status",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "rotated_at",
            "replaced_by_id",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_status(self, obj: ApiKey) -> str:
        return obj.effective_status()


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.SerializerMethodField(help_text="The full key. Shown only once: store it now.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]
        read_only_fields = fields

    def get_key(self, obj: ApiKey) -> str:
        return self.context["raw_key"]


class ApiKeyWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    scopes = serializers.ListField(
        child=serializers.CharField(max_length=40), validators=[validate_scopes], allow_empty=False, max_length=20
    )
    rate_limit = serializers.IntegerField(min_value=10, max_value=1000, required=False)
    expires_at = TimestampField(required=False, allow_null=True, validators=[validate_future])


class ApiKeyUpdateSerializer(ApiKeyWriteSerializer):
    name = serializers.CharField(max_length=120, required=False)
    scopes = serializers.ListField(
        child=serializers.CharField(max_length=40),
        validators=[validate_scopes],
        allow_empty=False,
        max_length=20,
        required=False,
    )


class ApiKeyRotateSerializer(serializers.Serializer):
    grace_hours = serializers.IntegerField(min_value=0, max_value=24 * 30, required=False)


class ApiKeyUsageSerializer(serializers.Serializer):
    api_key_id = serializers.UUIDField()
    total_requests = serializers.IntegerField()
    last_used_at = TimestampField(allow_null=True)
    per_day = serializers.ListField(child=serializers.DictField())
    by_endpoint = serializers.ListField(child=serializers.DictField())
    by_status = serializers.DictField(child=serializers.IntegerField())


class CompanyTokenObtainSerializer(TokenObtainPairSerializer):
    """Username + password (+ company when the user belongs to several) → JWT pair for one company."""

    company = serializers.CharField(required=False, help_text="Company id or slug; required with several memberships.")

    def validate(self, attrs):
        company_ref = attrs.pop("company", None)
        data = super().validate(attrs)
        memberships = list(membership_list_for_user(user=self.user))
        if company_ref:
            chosen = [m for m in memberships if str(m.company_id) == company_ref or m.company.slug == company_ref]
            if not chosen:
                raise serializers.ValidationError({"company": "You are not a member of that company."})
        elif len(memberships) == 1:
            chosen = memberships
        elif not memberships:
            raise serializers.ValidationError({"company": "This user belongs to no active company."})
        else:
            slugs = ", ".join(m.company.slug for m in memberships)
            raise serializers.ValidationError({"company": f"Choose a company: one of {slugs}."})
        membership = chosen[0]
        refresh = self.get_token(self.user)
        refresh["company_id"] = str(membership.company_id)
        refresh["role"] = membership.role
        data["refresh"] = str(refresh)
        data["access"] = str(refresh.access_token)
        data["company"] = {
            "id": str(membership.company_id),
            "name": membership.company.name,
            "slug": membership.company.slug,
        }
        data["role"] = membership.role
        return data


class RotatingTokenRefreshSerializer(TokenRefreshSerializer):
    """simplejwt's refresh (rotating and blacklisting per SIMPLE_JWT), answering 401 for a deleted user."""

    def validate(self, attrs):
        from django.contrib.auth import get_user_model

        try:
            return super().validate(attrs)
        except get_user_model().DoesNotExist:  # simplejwt looks the user up with .get()
            raise AuthenticationFailed("The refresh token's user no longer exists.", "no_active_account")


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    company = serializers.DictField(required=False)
    role = serializers.CharField(required=False)


class MeSerializer(serializers.Serializer):
    user = serializers.DictField(allow_null=True, help_text="null when called with an API key")
    api_key = serializers.DictField(required=False, help_text="present when called with an API key")
    company = serializers.DictField()
    role = serializers.CharField(allow_null=True)
    scopes = serializers.ListField(child=serializers.CharField())
