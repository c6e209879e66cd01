"""Query filters of the files list (camelCase parameters)."""

from django.conf import settings

from core import filters
from files.backends import storage_keys
from files.models import StoredFile


class StoredFileFilter(filters.FilterSet):
    category = filters.ChoiceFilter(list(settings.FILES_CATEGORIES))
    contentType = filters.CharFilter(field_name="content_type")
    provider = filters.ChoiceFilter(storage_keys())
    integrationId = filters.UUIDFilter(field_name="integration_id")
    sha256 = filters.CharFilter(field_name="sha256")
    startDate, endDate = filters.date_range("uploaded_at")

    class Meta:
        model = StoredFile
        fields: list[str] = []
