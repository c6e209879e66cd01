"""The operators' dashboard: success rate per day as an inline SVG chart, and the top recent errors."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.db.models import Count, Max
from django.db.models.functions import TruncDay
from django.http import QueryDict
from django.utils import timezone

from accounts.models import Company
from logs.models import IntegrationLog
from logs.selectors import retention_last_run

DEFAULT_DAYS = 7
MAX_DAYS = 90
CHART_W, CHART_H, PAD = 720, 220, 36


@dataclass
class DayPoint:
    day: Any
    total: int
    success: int
    error: int

    @property
    def rate(self) -> float:
        return round(self.success * 100 / self.total, 2) if self.total else 0.0


def _int(value: str | None, default: int, low: int, high: int) -> int:
    try:
        return min(max(int(value or default), low), high)
    except ValueError:
        return default


def dashboard_context(params: QueryDict) -> dict[str, Any]:
    """Return the template context of the dashboard for ?days=&company=&hours=."""
    days = _int(params.get("days"), DEFAULT_DAYS, 1, MAX_DAYS)
    hours = _int(params.get("hours"), 24, 1, 24 * 7)
    company_id = params.get("company") or ""
    try:
        company_uuid: UUID | None = UUID(company_id) if company_id else None
    except ValueError:
        company_uuid = None
    now = timezone.now()
    since = (now - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    logs = IntegrationLog.objects.all()
    if company_uuid:
        logs = logs.filter(company_id=company_uuid)

    per_day: dict[Any, DayPoint] = {}
    rows = (
        logs.filter(timestamp__gte=since)
        .annotate(day=TruncDay("timestamp"))
        .order_by()
        .values_list("day", "status")
        .annotate(n=Count("id"))
    )
    for day, status, n in rows:
        point = per_day.setdefault(day.date(), DayPoint(day.date(), 0, 0, 0))
        point.total += n
        if status == "success":
            point.success += n
        elif status == "error":
            point.error += n
    points = [per_day.get(d, DayPoint(d, 0, 0, 0)) for d in ((since + timedelta(days=k)).date() for k in range(days))]

    top_errors = list(
        logs.filter(status=IntegrationLog.Status.ERROR, timestamp__gte=now - timedelta(hours=hours))
        .order_by()
        .values("integration_type", "operation", "message")
        .annotate(count=Count("id"), last_seen=Max("timestamp"))
        .order_by("-count", "-last_seen")[:10]
    )
    totals = DayPoint(None, sum(p.total for p in points), sum(p.success for p in points), sum(p.error for p in points))
    return {
        "days": days,
        "hours": hours,
        "company_id": str(company_uuid or ""),
        "companies": Company.objects.order_by("name").values_list("id", "name")[:500],
        "points": points,
        "totals": totals,
        "chart": chart(points),
        "top_errors": top_errors,
        "last_retention": retention_last_run(),
    }


def chart(points: list[DayPoint]) -> dict[str, Any]:
    """Return the geometry of an SVG line chart of the daily success rate (0-100 %)."""
    n = len(points)
    inner_w, inner_h = CHART_W - 2 * PAD, CHART_H - 2 * PAD
    step = inner_w / max(n - 1, 1)

    def y(rate: float) -> float:
        return round(PAD + inner_h * (1 - rate / 100), 1)

    dots = [
        {
            "x": round(PAD + k * step, 1),
            "y": y(p.rate),
            "label": f"{p.day:%Y-%m-%d}: {p.rate:.2f}% of {p.total} ({p.error} errors)",
            "empty": p.total == 0,
            "day": f"{p.day:%m-%d}",
        }
        for k, p in enumerate(points)
    ]
    line = " ".join(f"{d['x']},{d['y']}" for d in dots if not d["empty"])
    grid = [{"y": y(r), "label": f"{r}%"} for r in (0, 25, 50, 75, 100)]
    every = max(n // 8, 1)
    ticks = [d for k, d in enumerate(dots) if k % every == 0 or k == n - 1]
    return {
        "w": CHART_W,
        "h": CHART_H,
        "pad": PAD,
        "line": line,
        "dots": dots,
        "grid": grid,
        "ticks": ticks,
        "bottom": CHART_H - PAD,
        "right": CHART_W - PAD,
    }
