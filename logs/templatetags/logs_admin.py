"""Admin template tags for the log lists: a date hierarchy that never scans the whole table."""

import calendar
from datetime import date
from typing import Any

from django import template
from django.db.models import Max, Min
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def log_date_hierarchy(cl: Any) -> str:
    """Django's date hierarchy, with periods taken from MIN/MAX (two index probes).

    Django's own asks the database for the DISTINCT years, months or days of the filtered
    rows, a full scan at millions of rows. Every period between the first and last row is
    offered instead; a period without rows simply shows an empty list.
    """
    field = cl.date_hierarchy
    year_f, month_f, day_f = f"{field}__year", f"{field}__month", f"{field}__day"
    year, month, day = cl.params.get(year_f), cl.params.get(month_f), cl.params.get(day_f)
    year, month, day = (int(v[-1] if isinstance(v, list) else v) if v else None for v in (year, month, day))

    def link(filters: dict[str, int]) -> str:
        return cl.get_query_string(filters, [f"{field}__"])

    bounds = cl.queryset.aggregate(first=Min(field), last=Max(field))
    if not bounds["first"]:
        return ""
    first, last = (timezone.localtime(v).date() for v in (bounds["first"], bounds["last"]))
    if not (year or month or day) and first.year == last.year:
        year = first.year
        if first.month == last.month:
            month = first.month
    context: dict[str, Any]
    if year and month and day:
        chosen = date(year, month, day)
        context = {
            "back": {
                "link": link({year_f: year, month_f: month}),
                "title": formats.date_format(chosen, "YEAR_MONTH_FORMAT"),
            },
            "choices": [{"title": capfirst(formats.date_format(chosen, "MONTH_DAY_FORMAT"))}],
        }
    elif year and month:
        days = range(1, calendar.monthrange(year, month)[1] + 1)
        days = [d for d in days if first <= date(year, month, d) <= last] or list(days)
        context = {
            "back": {"link": link({year_f: year}), "title": str(year)},
            "choices": [
                {
                    "link": link({year_f: year, month_f: month, day_f: d}),
                    "title": capfirst(formats.date_format(date(year, month, d), "MONTH_DAY_FORMAT")),
                }
                for d in days
            ],
        }
    elif year:
        months = [m for m in range(1, 13) if (first.year, first.month) <= (year, m) <= (last.year, last.month)]
        context = {
            "back": {"link": link({}), "title": _("All dates")},
            "choices": [
                {
                    "link": link({year_f: year, month_f: m}),
                    "title": capfirst(formats.date_format(date(year, m, 1), "YEAR_MONTH_FORMAT")),
                }
                for m in months
            ],
        }
    else:
        context = {
            "back": None,
            "choices": [{"link": link({year_f: y}), "title": str(y)} for y in range(first.year, last.year + 1)],
        }
    return render_to_string("admin/date_hierarchy.html", {"show": True, **context})
