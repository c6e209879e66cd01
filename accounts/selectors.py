"""Reads for companies, memberships and API keys."""

from datetime import timedelta

from django.db.models import QuerySet, Sum
from django.utils import timezone

from accounts.models import ApiKey, ApiKeyUsage, Membership

USAGE_DAYS = 30


def api_key_list(*, company_id) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(company_id=company_id).order_by("-created_at")


def membership_list_for_user(*, user) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user, company__is_active=True).select_related("company")


def api_key_usage(*, api_key: ApiKey) -> dict:
    """Return total requests, per day for the last 30 days, by endpoint and by status class."""
    rows = ApiKeyUsage.objects.filter(api_key=api_key)
    total = rows.aggregate(n=Sum("count"))["n"] or 0
    today = timezone.now().date()
    since = today - timedelta(days=USAGE_DAYS - 1)
    per_day_raw = dict(
        rows.filter(day__gte=since).values("day").annotate(n=Sum("count")).order_by().values_list("day", "n")
    )
    per_day = [
        {"date": (since + timedelta(days=i)).isoformat(), "requests": per_day_raw.get(since + timedelta(days=i), 0)}
        for i in range(USAGE_DAYS)
    ]
    by_endpoint = [
        {"endpoint": endpoint, "requests": n}
        for endpoint, n in rows.values("endpoint").annotate(n=Sum("count")).order_by("-n").values_list("endpoint", "n")
    ]
    by_class = dict(rows.values("status_class").annotate(n=Sum("count")).order_by().values_list("status_class", "n"))
    return {
        "apiKeyId": str(api_key.pk),
        "totalRequests": total,
        "lastUsedAt": api_key.last_used_at,
        "perDay": per_day,
        "byEndpoint": by_endpoint,
        "byStatus": {f"{c}xx": by_class.get(c, 0) for c in (2, 3, 4, 5)},
    }
