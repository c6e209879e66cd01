"""Operators' screens for companies, memberships and API keys (hashes never shown), and the admin login."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.db.models import Sum
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers

from accounts import services
from accounts.lockout import login_lockout_seconds
from accounts.models import ApiKey, ApiKeyUsage, Company, Membership
from accounts.scopes import ALL_SCOPES
from accounts.throttling import client_ip


class LockoutAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin login, refusing a locked account or IP with a plain message.

    LoginLockoutBackend enforces the lock inside authenticate() (and failures are counted by
    the user_login_failed signal); this form only says why the right password is refused.
    """

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        if self.request is not None:
            wait = login_lockout_seconds(username=username, ip=client_ip(self.request))
            if wait:
                minutes = max(1, round(wait / 60))
                raise forms.ValidationError(
                    f"Too many failed sign-ins for this account or address; try again in about {minutes} minute(s).",
                    code="locked",
                )
        return super().clean()


admin.site.login_form = LockoutAdminAuthenticationForm


def _keys_shown(request: HttpRequest, shown: list[tuple]) -> TemplateResponse:
    """Answer with the new keys in the page itself (never in a message cookie), uncached."""
    response = TemplateResponse(
        request,
        "admin/accounts/apikey/key_shown.html",
        {
            **admin.site.each_context(request),
            "title": "New API key" if len(shown) == 1 else "New API keys",
            "keys": [{"api_key": api_key, "raw": raw} for api_key, raw in shown],
        },
    )
    add_never_cache_headers(response)
    return response


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "company", "role", "created_at"]
    list_filter = ["role", "company"]
    search_fields = ["user__username", "user__email", "company__name"]
    autocomplete_fields = ["user", "company"]


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(choices=[(s, s) for s in ALL_SCOPES], widget=forms.CheckboxSelectMultiple)
    rate_limit = forms.IntegerField(min_value=10, max_value=1000, initial=100, help_text="Requests per minute.")

    class Meta:
        model = ApiKey
        fields = ["company", "name", "scopes", "rate_limit", "expires_at"]


class ApiKeyUsageInline(admin.TabularInline):
    model = ApiKeyUsage
    extra = 0
    can_delete = False
    fields = ["day", "endpoint", "status_class", "count"]
    readonly_fields = fields
    max_num = 0
    ordering = ["-day", "-count"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    form = ApiKeyForm
    list_display = ["name", "company", "key_prefix", "status_display", "rate_limit", "expires_at", "last_used_at"]
    list_filter = ["status", "company"]
    search_fields = ["name", "key_prefix", "company__name"]
    readonly_fields = [
        "key_prefix",
        "status",
        "last_used_at",
        "revoked_at",
        "rotated_at",
        "replaced_by",
        "created_by",
        "created_at",
        "updated_at",
        "total_requests",
    ]
    actions = ["revoke_keys", "rotate_keys"]
    inlines = [ApiKeyUsageInline]

    def get_inlines(self, request, obj=None):
        return [ApiKeyUsageInline] if obj else []

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["company", "name", "scopes", "rate_limit", "expires_at"]
        return ["company", "name", "scopes", "rate_limit", "expires_at", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        return ["company", *self.readonly_fields] if obj else []

    @admin.display(description="Status")
    def status_display(self, obj: ApiKey) -> str:
        return obj.effective_status()

    @admin.display(description="Requests (all time)")
    def total_requests(self, obj: ApiKey) -> int:
        return obj.usage.aggregate(n=Sum("count"))["n"] or 0

    def save_model(self, request, obj: ApiKey, form, change: bool) -> None:
        if change:
            services.api_key_update(
                api_key=obj,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                rate_limit=form.cleaned_data["rate_limit"],
                expires_at=form.cleaned_data["expires_at"],
            )
            return
        api_key, raw = services.api_key_create(
            company=form.cleaned_data["company"],
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            rate_limit=form.cleaned_data["rate_limit"],
            expires_at=form.cleaned_data["expires_at"],
            created_by=request.user,
        )
        obj.pk = api_key.pk
        obj._state.adding = False
        request._api_key_shown = (api_key, raw)  # for response_add, in this request only

    def response_add(self, request, obj: ApiKey, post_url_continue=None):
        shown = getattr(request, "_api_key_shown", None)
        if shown is None:
            return super().response_add(request, obj, post_url_continue)
        # The default redirect would carry the key to the next page in the messages cookie
        # (signed, not encrypted): show it in this response instead.
        return _keys_shown(request, [shown])

    @admin.action(description="Revoke selected keys")
    def revoke_keys(self, request, queryset) -> None:
        for api_key in queryset:
            services.api_key_revoke(api_key=api_key)
        self.message_user(request, f"Revoked {queryset.count()} key(s).", messages.SUCCESS)

    @admin.action(description="Rotate selected keys (old keys work 24 h more)")
    def rotate_keys(self, request, queryset):
        shown = []
        for api_key in queryset.filter(status=ApiKey.Status.ACTIVE, rotated_at__isnull=True):
            if api_key.effective_status() == "active":
                new_key, raw = services.api_key_rotate(api_key=api_key, created_by=request.user)
                shown.append((new_key, raw))
        if not shown:
            self.message_user(request, "No active, unrotated key was selected.", messages.WARNING)
            return None
        return _keys_shown(request, shown)
