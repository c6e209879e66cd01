"""The sync list's query parameters as a django-filter FilterSet (camelCase names, as on the wire)."""

from datetime import datetime, time, timedelta
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from sync.models import SyncRun


def _choice(choices: list[tuple[str, str]], name: str, field_name: str | None = None) -> django_filters.ChoiceFilter:
    """A choice filter whose 400 names every allowed value."""
    allowed = ", ".join(value for value, _ in choices)
    return django_filters.ChoiceFilter(
        field_name=field_name,
        choices=choices,
        error_messages={"invalid_choice": f'"%(value)s" is not a valid {name}; allowed values: {allowed}.'},
    )


class _MomentField(forms.CharField):
    """An ISO 8601 date or date-time; a bare date keeps that it was one (endDate includes the whole day)."""

    def to_python(self, value: Any) -> tuple[datetime, bool] | None:
        value = super().to_python(value)
        if not value:
            return None
        try:
            day = parse_date(value) if len(value) == 10 else None
            moment = None if day else parse_datetime(value)
        except ValueError:  # well-formed but impossible, e.g. 2025-02-30
            day = moment = None
        if day is not None:
            return timezone.make_aware(datetime.combine(day, time.min)), True
        if moment is None:
            raise forms.ValidationError(f"{value!r} is not an ISO 8601 date or date-time.")
        return (moment if timezone.is_aware(moment) else timezone.make_aware(moment)), False


class _MomentFilter(django_filters.Filter):
    field_class = _MomentField


class _PageField(forms.IntegerField):
    """page and limit are validated here so one 400 names every bad parameter; PagePagination reads them."""


class SyncRunFilter(django_filters.FilterSet):
    status = _choice(SyncRun.Status.choices, "status")
    integrationId = django_filters.UUIDFilter(field_name="integration_id")
    syncType = _choice(SyncRun.SyncType.choices, "syncType", field_name="sync_type")
    startDate = _MomentFilter(method="filter_start")
    endDate = _MomentFilter(method="filter_end")
    page = django_filters.NumberFilter(method="no_filter", min_value=1)
    limit = django_filters.NumberFilter(method="no_filter", min_value=1, max_value=100)

    class Meta:
        model = SyncRun
        fields = ["status", "integrationId", "syncType"]

    def filter_start(self, queryset: QuerySet[SyncRun], name: str, value: tuple[datetime, bool]) -> QuerySet[SyncRun]:
        return queryset.filter(created_at__gte=value[0])

    def filter_end(self, queryset: QuerySet[SyncRun], name: str, value: tuple[datetime, bool]) -> QuerySet[SyncRun]:
        moment, is_date = value
        if is_date:  # a bare date includes that whole day
            return queryset.filter(created_at__lt=moment + timedelta(days=1))
        return queryset.filter(created_at__lte=moment)

    def no_filter(self, queryset: QuerySet[SyncRun], name: str, value: Any) -> QuerySet[SyncRun]:
        return queryset
