"""Admin pagination for very large log tables: never an unbounded COUNT(*)."""

import json
import logging
from functools import cached_property

from django.conf import settings
from django.core.paginator import Paginator
from django.db import DatabaseError, connections, transaction

logger = logging.getLogger(__name__)


LARGE_TABLE_ROWS = 100_000


class EstimatedCountPaginator(Paginator):
    """Count exactly when that is quick, else show PostgreSQL's estimate.

    An exact COUNT is given LOG_ADMIN_COUNT_TIMEOUT_MS (a filtered list of one company or
    one day is usually well under that); past it, an unfiltered list uses pg_class.reltuples
    and a filtered one the planner's row estimate, so the change list opens in well under a
    second at 10M rows. Pages past the estimate are simply empty.
    """

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        connection = connections[queryset.db]
        if connection.vendor != "postgresql":
            return super().count
        if not queryset.query.where:
            # Unfiltered: a big table is not counted at all (the estimate is what a COUNT would
            # show a moment later anyway); a small one is counted exactly below.
            estimate = self._estimate(queryset, connection)
            if estimate >= LARGE_TABLE_ROWS:
                return estimate
        try:
            with transaction.atomic(using=queryset.db), connection.cursor() as cursor:
                # Local to the transaction; restored by hand too, in case this runs inside an
                # outer transaction (where the savepoint's release would keep it).
                cursor.execute("SELECT current_setting('statement_timeout')")
                previous = cursor.fetchone()[0]
                cursor.execute(
                    "SELECT set_config('statement_timeout', %s, true)",
                    [f"{int(settings.LOG_ADMIN_COUNT_TIMEOUT_MS)}ms"],
                )
                count = queryset.count()
                cursor.execute("SELECT set_config('statement_timeout', %s, true)", [previous])
                return count
        except DatabaseError:  # the timeout fired: fall back to an estimate
            pass
        return self._estimate(queryset, connection)

    @staticmethod
    def _estimate(queryset, connection) -> int:
        with connection.cursor() as cursor:
            if not queryset.query.where:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [queryset.model._meta.db_table]
                )
                row = cursor.fetchone()
                return max(int(row[0]), 0) if row else 0
            sql, params = queryset.order_by().values("pk").query.sql_with_params()
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            return int(plan[0]["Plan"]["Plan Rows"])
