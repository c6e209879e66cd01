"""Operators' screens for companies, memberships and API keys (hashes never shown)."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Sum

from accounts import services
from accounts.models import ApiKey, ApiKeyUsage, Company, Membership
from accounts.scopes import ALL_SCOPES


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
        messages.warning(request, f"The new key is {raw} — copy it now; it will not be shown again.")

    @admin.action(description="Revoke selected keys")
    def revoke_keys(self, request, queryset) -> None:
        for api_key in queryset:
            services.api_key_revoke(api_key=api_key)
        self.message_user(request, f"Revoked {queryset.count()} key(s).", messages.SUCCESS)

    @admin.action(description="Rotate selected keys (old keys work 24 h more)")
    def rotate_keys(self, request, queryset) -> None:
        for api_key in queryset.filter(status=ApiKey.Status.ACTIVE):
            _new_key, raw = services.api_key_rotate(api_key=api_key, created_by=request.user)
            messages.warning(
                request, f"{api_key.name}: the new key is {raw} — copy it now; it will not be shown again."
            )
