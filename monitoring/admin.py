"""The admin's branding (hub name and version in the header) and the operator home page."""

import tomllib
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from monitoring import selectors

HUB_NAME = "Integration Hub"


@cache
def hub_version() -> str:
    """Return the version declared in pyproject.toml (the one place it is written)."""
    try:
        with (Path(settings.BASE_DIR) / "pyproject.toml").open("rb") as fh:
            return str(tomllib.load(fh)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


admin.site.site_header = f"{HUB_NAME} {hub_version()}"
admin.site.site_title = f"{HUB_NAME} admin"
admin.site.index_title = "Operations"


def operator_home(request: HttpRequest) -> HttpResponse:
    """The last 24 h of what failed, per company (?company=<uuid>) or all, with links to the lists."""
    company = selectors.company_from_param(request.GET.get("company"))
    context = {
        **admin.site.each_context(request),
        "title": "Operator home",
        "company": company,
        "companies": selectors.Company.objects.order_by("name").values_list("id", "name")[:500],
        "panels": selectors.operator_home(company_id=company.id if company else None),
        "hours": selectors.HOURS,
    }
    return TemplateResponse(request, "admin/operator_home.html", context)
