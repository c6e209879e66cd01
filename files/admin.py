"""Operators' view of files: filters, where each is stored, a download link for staff, delete through the service."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html

from core.errors import ApplicationError
from files import services
from files.backends import storage_keys
from files.models import StorageRoute, StoredFile


class ProviderFilter(admin.SimpleListFilter):
    """Storage providers from the registry (the column has no choices)."""

    title = "provider"
    parameter_name = "provider"

    def lookups(self, request, model_admin):
        return [(key, key) for key in storage_keys()]

    def queryset(self, request, queryset):
        return queryset.filter(provider=self.value()) if self.value() else queryset


@admin.register(StoredFile)
class StoredFileAdmin(admin.ModelAdmin):
    list_display = ("file_name", "company", "category", "content_type", "size", "provider", "where", "uploaded_at")
    list_filter = ("company", ProviderFilter, "category", "content_type", "is_test")
    search_fields = ("file_name", "file_key", "sha256", "=id")
    list_select_related = ("company", "integration")
    readonly_fields = [f.name for f in StoredFile._meta.fields] + ["download_link"]
    date_hierarchy = "uploaded_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="stored in")
    def where(self, obj: StoredFile) -> str:
        label = obj.integration.name if obj.integration else "built-in local"
        return f"{label} (fallback)" if obj.is_on_fallback() else label

    @admin.display(description="download")
    def download_link(self, obj: StoredFile) -> str:
        if obj.pk is None:
            return "-"
        return format_html('<a href="{}">Download</a>', reverse("admin:files_storedfile_download", args=[obj.pk]))

    def get_urls(self):
        own = [
            path(
                "<uuid:file_id>/download/",
                self.admin_site.admin_view(self.download_view),
                name="files_storedfile_download",
            )
        ]
        return own + super().get_urls()

    def download_view(self, request: HttpRequest, file_id) -> HttpResponseRedirect:
        if not request.user.is_staff or not self.has_view_permission(request):
            raise PermissionDenied
        file = StoredFile.objects.select_related("integration").get(id=file_id)
        local_url = request.build_absolute_uri(reverse("file-content", kwargs={"pk": file.id}))
        try:
            url, _ = services.file_download_url(file=file, local_url=local_url)
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:files_storedfile_change", args=[file.pk]))
        return HttpResponseRedirect(url)

    def delete_model(self, request: HttpRequest, obj: StoredFile) -> None:
        services.file_delete(file=obj)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        for file in queryset:
            try:
                services.file_delete(file=file)
            except ApplicationError as exc:
                self.message_user(request, f"{file.file_name}: {exc.message}", messages.ERROR)


@admin.register(StorageRoute)
class StorageRouteAdmin(admin.ModelAdmin):
    list_display = ("company", "primary", "fallbacks", "max_file_bytes", "reuse_duplicates", "updated_at")
    list_select_related = ("company", "primary")
    raw_id_fields = ("company", "primary")
