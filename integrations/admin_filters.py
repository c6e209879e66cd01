"""Admin list filters whose options come from the provider registry (no list kept by hand, no DISTINCT scan)."""

from collections.abc import Callable, Iterable

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from integrations.providers import get_provider, provider_keys


def provider_labels() -> list[tuple[str, str]]:
    """Return (key, label) of every declared provider, in listing order."""
    return [(key, get_provider(key).label) for key in provider_keys()]


def registry_filter(
    field: str, title: str, options: Callable[[], Iterable[tuple[str, str]]] = provider_labels
) -> type[admin.SimpleListFilter]:
    """Return a list filter on `field` offering `options()` (read when the page renders, so it follows the registry).

    A plain `list_filter = [field]` on a field without choices would offer whatever values
    the table holds, found with a DISTINCT over it: slow on the log table's millions of rows.
    """

    def lookups(self: admin.SimpleListFilter, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return list(options())

    def queryset(self: admin.SimpleListFilter, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(**{field: self.value()}) if self.value() else queryset

    return type(
        f"{field.title().replace('_', '')}RegistryFilter",
        (admin.SimpleListFilter,),
        {"title": title, "parameter_name": field, "lookups": lookups, "queryset": queryset},
    )
