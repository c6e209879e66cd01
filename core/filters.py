"""List filters on django-filter: camelCase parameters, dates that never 500, choices whose 400 names the values.

Every list endpoint declares a `FilterSet` (a subclass of `FilterSet` below) whose filter
names are the wire's camelCase query parameters (`orderType = ChoiceFilter(field_name="order_type")`);
`DjangoFilterBackend` answers an invalid value with 400 in the error envelope, and
drf-spectacular lists the parameters (with enums) in the schema.
"""

from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from typing import Any

import django_filters
from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django_filters import BooleanFilter, CharFilter, NumberFilter, UUIDFilter
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from core.errors import InvalidInput

__all__ = [
    "BooleanFilter",
    "CharFilter",
    "ChoiceFilter",
    "FilterBackend",
    "FilterSet",
    "NumberFilter",
    "UUIDFilter",
    "WhenFilter",
    "date_range",
    "parse_when",
]

# Source API 000's wording (docs/logs.md) of an invalid enum value; the message names every allowed value.
SEED_CHOICE_MESSAGE = "Invalid {label}. Must be one of: {allowed}"
MAX_UTC_OFFSET = timedelta(hours=15, minutes=59)  # PostgreSQL's limit (real offsets stop at ±14:00)
DATE_MESSAGE = "{name} must be an ISO 8601 date or datetime, e.g. 2025-11-06T10:30:00.000Z or 2025-11-06."


def parse_when(raw: str, *, end_of_day: bool = False) -> datetime | None:
    """Return an aware UTC datetime from an ISO 8601 date or datetime; None when it is not one.

    Naive values are UTC. A bare date is its first instant, or with `end_of_day` its last
    (23:59:59.999999), so `endDate=2025-11-06` includes that whole day and
    `endDate=9999-12-31` needs no day after it (adding one overflowed: a 500).
    """
    raw = (raw or "").strip()
    try:
        # A bare date first: parse_datetime would read "2025-11-06" as its midnight.
        day = parse_date(raw) if len(raw) == 10 else None
        if day is not None:
            value = datetime.combine(day, time.max if end_of_day else time.min)
        else:
            value = parse_datetime(raw)
            if value is None:
                return None
    except ValueError:  # well-formed but impossible, e.g. month 13
        return None
    if timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    if abs(value.utcoffset() or timedelta()) > MAX_UTC_OFFSET:
        return None  # no place is that far from UTC: a typo, refused as PostgreSQL would refuse it
    try:
        # In UTC: PostgreSQL refuses offsets past ±15:59 that Python accepts (e.g. +20:29),
        # and a year-1 time east of UTC falls before datetime.min.
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


class WhenField(forms.Field):
    """A form field for `parse_when`; its error names the parameter."""

    def __init__(self, *, end_of_day: bool = False, param: str = "", **kwargs: Any) -> None:
        self.end_of_day = end_of_day
        self.param = param
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> datetime | None:
        if value in (None, ""):
            return None
        parsed = parse_when(str(value), end_of_day=self.end_of_day)
        if parsed is None:
            raise forms.ValidationError(DATE_MESSAGE.format(name=self.param), code="invalid")
        return parsed


@extend_schema_field(OpenApiTypes.DATETIME)
class WhenFilter(django_filters.Filter):
    """`startDate` (lookup gte) or `endDate` (lookup lte, a bare date meaning its end): a date or a datetime."""

    field_class = WhenField

    def __init__(self, *, end_of_day: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("lookup_expr", "lte" if end_of_day else "gte")
        self._end_of_day = end_of_day
        super().__init__(**kwargs)

    @property
    def field(self) -> forms.Field:
        if not hasattr(self, "_field"):
            self.extra.update(end_of_day=self._end_of_day, param=getattr(self, "_wire_name", "") or self.field_name)
        return super().field


class ChoiceFilter(django_filters.ChoiceFilter):
    """An exact-match enum filter whose 400 names the allowed values (source API 000's wording by default).

    `message` may carry "{label}", "{allowed}" and "{value}" for a list whose wording is
    already part of its contract.
    """

    def __init__(self, values: Iterable[str], *, label: str = "", message: str = SEED_CHOICE_MESSAGE, **kwargs: Any):
        values = list(values)
        self._values = values
        self._message = message
        self._enum_label = label
        kwargs.setdefault("null_label", None)
        super().__init__(choices=[(v, v) for v in values], **kwargs)

    @property
    def field(self) -> forms.Field:
        if not hasattr(self, "_field"):
            field = super().field
            label = self._enum_label or getattr(self, "_wire_name", "") or self.field_name
            text = self._message.format(label=label, allowed=", ".join(self._values), value="%(value)s")
            field.error_messages["invalid_choice"] = text
        return self._field


class FilterSet(django_filters.FilterSet):
    """A FilterSet whose filters know their wire names (for messages) and check startDate ≤ endDate.

    `errors_as_text`: a 400's details hold each parameter's message as a string rather than
    a list (the webhook lists answered so before they used FilterSets).
    """

    errors_as_text = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, filter_ in self.filters.items():
            filter_._wire_name = name

    @property
    def form(self) -> forms.Form:
        if not hasattr(self, "_form"):
            form = super().form
            original = form.clean

            def clean() -> dict[str, Any]:
                data = original()
                start, end = data.get("startDate"), data.get("endDate")
                if start and end and start > end:
                    form.add_error("startDate", "startDate must not be after endDate.")
                return data

            form.clean = clean
        return self._form


def date_range(field_name: str = "created_at") -> tuple[WhenFilter, WhenFilter]:
    """Return the (startDate, endDate) filters over `field_name`."""
    return (
        WhenFilter(field_name=field_name, help_text="At or after this time (or date)."),
        WhenFilter(field_name=field_name, end_of_day=True, help_text="At or before this time (a date: its end)."),
    )


class FilterBackend(DjangoFilterBackend):
    """DjangoFilterBackend answering an invalid parameter with InvalidInput (400, naming the parameter)."""

    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            errors = {name: list(messages) for name, messages in filterset.errors.items()}
            if getattr(filterset, "errors_as_text", False):
                errors = {name: " ".join(messages) for name, messages in errors.items()}
            raise InvalidInput(details=errors)
        return filterset.qs
