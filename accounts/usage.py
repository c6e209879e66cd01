"""API key usage counters, buffered in process and upserted in batches.

Recording usage must not put a database write on every request's critical path: each
request only bumps an in-memory counter (a dict increment under a lock, ~1 µs). A daemon
thread per process flushes the aggregated counters every API_KEY_USAGE_FLUSH_SECONDS as
one multi-row upsert (`count = count + excluded.count`) and one `last_used_at` update per
key, so N requests cost one small write per (key, day, endpoint, status class) per interval.
A process killed with SIGKILL loses at most one interval of counts; graceful exits flush.
"""

from collections import Counter
from datetime import UTC, date, datetime
from uuid import UUID

from django.conf import settings
from django.db import connection, transaction

from accounts.buffering import BackgroundFlusher

_Key = tuple[UUID, date, str, int]


class UsageBuffer(BackgroundFlusher):
    """Counts requests per (key, day, endpoint, status class) until the next flush."""

    thread_name = "api-key-usage-flush"

    def _clear(self) -> None:
        self._counts: Counter[_Key] = Counter()
        self._last_used: dict[UUID, datetime] = {}

    def interval(self) -> float:
        return settings.API_KEY_USAGE_FLUSH_SECONDS

    def record(self, api_key_id: UUID, endpoint: str, status_code: int, at: datetime | None = None) -> None:
        """Count one request (cheap: no I/O)."""
        at = at or datetime.now(UTC)
        with self._lock:
            self._counts[(api_key_id, at.date(), endpoint[:200], status_code // 100)] += 1
            self._last_used[api_key_id] = at
        self._ensure_thread()

    def flush(self) -> int:
        """Write the buffered counts; return how many rows were upserted."""
        with self._lock:
            counts, self._counts = self._counts, Counter()
            last_used, self._last_used = self._last_used, {}
        if not counts:
            return 0
        from accounts.models import ApiKey, ApiKeyUsage

        table = ApiKeyUsage._meta.db_table
        key_field = ApiKeyUsage._meta.get_field("api_key")
        day_field = ApiKeyUsage._meta.get_field("day")
        rows = [
            (
                key_field.get_db_prep_value(k[0], connection),
                day_field.get_db_prep_value(k[1], connection),
                k[2],
                k[3],
                n,
            )
            for k, n in counts.items()
        ]
        # The table name comes from the model; every value is a parameter.
        sql = (
            f"INSERT INTO {table} (api_key_id, day, endpoint, status_class, count) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (api_key_id, day, endpoint, status_class) "
            f"DO UPDATE SET count = {table}.count + excluded.count"
        )
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                existing = set(ApiKey.objects.filter(pk__in=list(last_used)).values_list("pk", flat=True))
                rows = [r for r, k in zip(rows, counts, strict=True) if k[0] in existing]
                cursor.executemany(sql, rows)
                for key_id, at in last_used.items():
                    if key_id in existing:
                        ApiKey.objects.filter(pk=key_id).exclude(last_used_at__gte=at).update(last_used_at=at)
        except Exception:
            with self._lock:  # put the counts back so the next flush retries them
                self._counts.update(counts)
                for key_id, at in last_used.items():
                    self._last_used[key_id] = max(at, self._last_used.get(key_id, at))
            raise
        return len(rows)


usage_buffer = UsageBuffer()
