"""Writes of syncs: start a run (one per integration at a time), execute it, fail stale runs, run schedules.

A run moves each kind (products, customers, orders) in two phases:
- pull: list the provider's records modified since the last pulling run (minus an overlap,
  all of them with `force`), and reconcile each against its SyncLink and our record;
- push (products and customers only): send our records whose shared fields differ from
  what the link remembers, creating the ones the provider does not have yet.
A record changed on both sides since the last sync is a conflict, resolved by the run's
strategy and counted. A page's records, links, logs and counts commit together (a
savepoint per record), so a run that fails part-way has counted exactly what it wrote.
"""

import copy
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.circuit import Circuit
from integrations.inbound.registry import InboundMessage
from integrations.models import Integration
from logs.services import LogEntry, log_record, log_record_many
from orders import inbound, services
from orders.models import Customer, Product
from sync import records
from sync.clients import Client, ProviderError, client_for, supported_providers
from sync.models import SyncLink, SyncRun, SyncSchedule
from webhooks.services import event_publish

logger = logging.getLogger(__name__)

COUNT_KEYS = ("created", "updated", "unchanged", "conflicts", "failed", "pushed")
LINK_KIND = {"products": SyncLink.Kind.PRODUCT, "customers": SyncLink.Kind.CUSTOMER, "orders": SyncLink.Kind.ORDER}
# Provider answers that stop the whole run: credentials refused, rate limited, or the provider failing.
FATAL_STATUSES = {401, 403, 429}


class SyncRefused(ValueError):
    """The sync cannot be started as asked (400); `field` names the offending input."""

    def __init__(self, message: str, *, field: str = "integrationId") -> None:
        super().__init__(message)
        self.field = field


class SyncAlreadyRunning(Exception):
    """Another sync of the integration is queued or running (409)."""

    def __init__(self, run: SyncRun | None) -> None:
        self.run = run
        ident = f" ({run.id}, {run.status})" if run else ""
        super().__init__(f"A sync of this integration is already in progress{ident}; wait for it to finish.")


def sync_supported(integration: Integration) -> bool:
    return integration.provider in supported_providers()


def sync_start(
    *,
    integration: Integration,
    sync_type: str,
    direction: str,
    conflict_strategy: str | None = None,
    batch_size: int | None = None,
    force: bool = False,
    triggered_by: str,
    triggered_by_id: str = "",
) -> SyncRun:
    """Queue a sync of the integration and enqueue its task on commit.

    Raises SyncRefused for a non-commerce or inactive integration or an impossible
    direction, and SyncAlreadyRunning when one is queued or running (the database's
    partial unique index decides between two racing starts).
    """
    if not sync_supported(integration):
        supported = ", ".join(supported_providers())
        raise SyncRefused(f"{integration.provider} integrations cannot sync; only {supported} can.")
    if not integration.is_active():
        raise SyncRefused("The integration is inactive; activate it before syncing.")
    if sync_type == SyncRun.SyncType.ORDERS and direction == SyncRun.Direction.PUSH:
        raise SyncRefused("Orders can only be pulled from the provider; use direction pull.", field="direction")
    try:
        with transaction.atomic():
            run = SyncRun.objects.create(
                company_id=integration.company_id,
                integration=integration,
                provider=integration.provider,
                sync_type=sync_type,
                direction=direction,
                conflict_strategy=conflict_strategy or settings.SYNC_DEFAULT_CONFLICT_STRATEGY,
                batch_size=batch_size or settings.SYNC_DEFAULT_BATCH_SIZE,
                force=force,
                triggered_by=triggered_by,
                triggered_by_id=triggered_by_id,
            )
    except IntegrityError:
        raise SyncAlreadyRunning(sync_active(integration_id=integration.id))
    from sync import tasks  # the task module imports this one

    transaction.on_commit(lambda: tasks.sync_run.delay(str(run.id)))
    return run


def sync_active(*, integration_id: UUID) -> SyncRun | None:
    return SyncRun.objects.filter(integration_id=integration_id, status__in=SyncRun.ACTIVE_STATUSES).first()


def sync_execute(*, run_id: UUID | str) -> SyncRun | None:
    """Claim a queued run and carry it out; returns None when it is gone or another worker has it."""
    now = timezone.now()
    if (
        SyncRun.objects.filter(pk=run_id, status=SyncRun.Status.QUEUED).update(
            status=SyncRun.Status.RUNNING, started_at=now, updated_at=now
        )
        != 1
    ):
        return None  # already claimed (a redelivered message) or deleted
    run = SyncRun.objects.select_related("integration").get(pk=run_id)
    event_publish(run.company_id, "sync.started", _event_data(run), idempotency_key=f"sync:{run.id}:started")
    started = time.monotonic()
    error = ""
    engine = Engine(run)
    try:
        for kind in run.kinds():
            engine.sync_kind(kind)
    except ProviderError as exc:
        error = str(exc)
    except Exception as exc:  # an unexpected bug must still end the run, or it would block the next ones
        logger.exception("sync %s failed", run.id)
        error = f"{type(exc).__name__}: {exc}"
    finally:
        engine.flush_logs()
    _finish(run, error=error, duration_ms=int((time.monotonic() - started) * 1000), counts=engine.counts)
    return run


@transaction.atomic
def _finish(run: SyncRun, *, error: str, duration_ms: int, counts: dict[str, dict[str, int]]) -> None:
    run.status = SyncRun.Status.FAILED if error else SyncRun.Status.COMPLETED
    run.error = error
    run.counts = counts
    run.finished_at = timezone.now()
    run.duration_ms = duration_ms
    run.save(update_fields=["status", "error", "counts", "finished_at", "duration_ms", "updated_at"])
    event = "sync.failed" if error else "sync.completed"
    event_publish(run.company_id, event, _event_data(run), idempotency_key=f"sync:{run.id}:{run.status}")
    totals = {key: sum(c.get(key, 0) for c in counts.values()) for key in COUNT_KEYS}
    log_record(
        company_id=run.company_id,
        integration_id=run.integration_id,
        integration_type=run.provider,
        operation="sync",
        status="error" if error else "success",
        message=(f"Sync {run.sync_type}/{run.direction} failed: {error}" if error else _summary(run, totals)),
        error_details={"error": error} if error else None,
        metadata={"syncId": str(run.id), "counts": counts, "durationMs": duration_ms},
        user_id=int(run.triggered_by_id) if run.triggered_by == SyncRun.Trigger.USER and run.triggered_by_id else None,
    )


def _summary(run: SyncRun, totals: dict[str, int]) -> str:
    parts = ", ".join(f"{totals[k]} {k}" for k in COUNT_KEYS)
    return f"Sync {run.sync_type}/{run.direction} completed: {parts}."


def _event_data(run: SyncRun) -> dict[str, Any]:
    counts = run.counts or {}
    return {
        "syncId": str(run.id),
        "integrationId": str(run.integration_id),
        "integrationType": run.provider,
        "syncType": run.sync_type,
        "direction": run.direction,
        "status": run.status,
        "processed": sum(c.get("created", 0) + c.get("updated", 0) + c.get("unchanged", 0) for c in counts.values()),
        "failed": sum(c.get("failed", 0) for c in counts.values()),
        "counts": counts,
        "error": run.error or None,
    }


# --- the engine ---------------------------------------------------------------------------


class Engine:
    """Reconciles one run's kinds; holds the counts and the logs not yet written."""

    def __init__(self, run: SyncRun) -> None:
        self.run = run
        self.integration = run.integration
        self.client: Client = client_for(
            run.provider, self.integration.values(), circuit=Circuit(run.company_id, run.provider)
        )
        self.counts: dict[str, dict[str, int]] = {}
        self.logs: list[LogEntry] = []
        self.linked_ours: dict[str, Product | Customer] = {}  # the current page's, by our id

    # -- bookkeeping

    def bump(self, kind: str, key: str) -> None:
        self.counts.setdefault(kind, dict.fromkeys(COUNT_KEYS, 0))[key] += 1

    def save_progress(self) -> None:
        SyncRun.objects.filter(pk=self.run.pk).update(counts=self.counts, updated_at=timezone.now())
        self.flush_logs()

    def flush_logs(self) -> None:
        if self.logs:
            log_record_many(self.logs)
            self.logs = []

    def fail(self, kind: str, *, operation: str, message: str, **extra: Any) -> None:
        """Count a record as failed and log why (the run goes on)."""
        self.bump(kind, "failed")
        self.log(kind, operation=operation, status="error", message=message, **extra)

    def log(self, kind: str, *, operation: str, status: str, message: str, ours: Any = None, **extra: Any) -> None:
        product = ours if isinstance(ours, Product) else None
        remote: records.Remote | None = extra.pop("remote", None)
        external_id = extra.pop("external_id", remote.external_id if remote else "")
        self.logs.append(
            LogEntry(
                company_id=self.run.company_id,
                integration_id=self.integration.id,
                integration_type=self.run.provider,
                operation=operation,
                status=status,
                message=message,
                product_id=product.id if product else None,
                external_product_id=external_id if kind == "products" else "",
                external_sku=(product.sku if product else (remote.fields.get("sku", "") if remote else "")),
                error_details=extra.pop("error_details", None),
                metadata={"syncId": str(self.run.id), "kind": kind, "externalId": external_id, **extra},
            )
        )

    # -- per kind

    def window_start(self, kind: str) -> datetime | None:
        """Return the incremental window's start: the last completed pulling run of this kind, minus an overlap."""
        if self.run.force:
            return None
        last = (
            SyncRun.objects.filter(
                integration=self.integration,
                status=SyncRun.Status.COMPLETED,
                sync_type__in=[kind, SyncRun.SyncType.FULL],
                direction__in=[SyncRun.Direction.PULL, SyncRun.Direction.BIDIRECTIONAL],
                started_at__isnull=False,
            )
            .exclude(pk=self.run.pk)
            .order_by("-started_at")
            .first()
        )
        if last is None:
            return None
        # Records changed while that run was paging, and clock skew between us and the provider.
        return last.started_at - timedelta(seconds=settings.SYNC_INCREMENTAL_OVERLAP_SECONDS)

    def sync_kind(self, kind: str) -> None:
        self.counts.setdefault(kind, dict.fromkeys(COUNT_KEYS, 0))
        if kind == "orders" and not self.run.pulls():
            return  # orders only ever come from the provider
        links = SyncLink.objects.filter(integration=self.integration, kind=LINK_KIND[kind])
        by_external = {link.external_id: link for link in links}
        by_ours = {link.our_id: link for link in by_external.values()}
        handled: set[str] = set()
        for page in self.client.pages(kind, modified_after=self.window_start(kind), batch_size=self.run.batch_size):
            # One transaction a page (a savepoint a record): one commit instead of one per record
            # (bench/sync.py, full pull of 2,500 records: 178 → 290 records/s), and the page's
            # records, links, logs and counts commit together. Writes at the provider inside a page are only updates of
            # records it has, so repeating them after a rollback is harmless.
            counts, logged = copy.deepcopy(self.counts), len(self.logs)
            if kind != "orders":
                self.load_linked_ours(kind, page.records, by_external)
            try:
                with transaction.atomic():
                    for raw in page.records:
                        if kind == "orders":
                            self.pull_order(raw, by_external)
                        else:
                            self.reconcile(kind, raw, by_external, by_ours, handled)
                    self.save_progress()
            except BaseException:
                self.counts, self.logs = counts, self.logs[:logged]  # what the rollback undid is not counted
                raise
        if kind != "orders" and self.run.pushes():
            self.push_rest(kind, by_ours, handled)
            self.save_progress()

    def _remote(self, kind: str, raw: dict[str, Any]) -> records.Remote | None:
        try:
            return records.remote_from(self.run.provider, kind, raw)
        except records.RecordError as exc:
            ident = str(raw.get("id", "?")) if isinstance(raw, dict) else "?"
            self.fail(
                kind,
                operation="import",
                message=f"{kind[:-1].title()} {ident}: {exc}.",
                external_id=ident,
                error_details={"error": str(exc)},
            )
            return None

    def load_linked_ours(self, kind: str, raws: list[Any], by_external: dict[str, SyncLink]) -> None:
        """Read the page's already linked records of ours in one query (a deleted one is simply absent)."""
        ids = [by_external[k].our_id for r in raws if isinstance(r, dict) and (k := str(r.get("id"))) in by_external]
        model = Product if kind == "products" else Customer
        found = model.objects.filter(company_id=self.run.company_id, pk__in=ids) if ids else []
        self.linked_ours = {str(o.pk): o for o in found}

    def _ours_for(self, kind: str, remote: records.Remote, link: SyncLink | None) -> Product | Customer | None:
        model = Product if kind == "products" else Customer
        qs = model.objects.filter(company_id=self.run.company_id)
        if link is not None and link.our_id in self.linked_ours:
            return self.linked_ours[link.our_id]
        # No link yet (or our record was deleted): pair by the natural key both sides share.
        key = {"sku": remote.fields["sku"]} if kind == "products" else {"phone": remote.fields["phone"]}
        return qs.filter(**key).first()

    def reconcile(
        self,
        kind: str,
        raw: dict[str, Any],
        by_external: dict[str, SyncLink],
        by_ours: dict[str, SyncLink],
        handled: set[str],
    ) -> None:
        remote = self._remote(kind, raw)
        if remote is None:
            return
        link = by_external.get(remote.external_id)
        ours = self._ours_for(kind, remote, link)
        if ours is not None and link is None and str(ours.pk) in by_ours:
            other = by_ours[str(ours.pk)].external_id
            self.fail(
                kind,
                operation="import",
                ours=ours,
                remote=remote,
                message=f"{kind[:-1].title()} {remote.external_id} matches our {ours.pk}, "
                f"which is already linked to {other}; resolve the duplicate at the provider.",
            )
            return
        if ours is not None:
            handled.add(str(ours.pk))
        ours_hash = records.content_hash(records.ours_fields(kind, ours)) if ours is not None else None
        if ours is not None and ours_hash == remote.hash:
            self.bump(kind, "unchanged")
            if link is None or link.content_hash != remote.hash:
                self.relink(kind, link, ours, remote, by_external, by_ours, remote.hash)
            return
        remote_changed = link is None or remote.hash != link.content_hash
        local_changed = ours is not None and (link is None or ours_hash != link.content_hash)
        if ours is None:
            if self.run.pulls():
                self.apply_remote(kind, remote, link, None, by_external, by_ours, created=True)
            return
        if not remote_changed:
            if local_changed and self.run.pushes():
                handled.discard(str(ours.pk))  # changed only here: the push phase sends it
            else:
                self.bump(kind, "unchanged")
            return
        if not local_changed:
            if self.run.pulls():
                self.apply_remote(kind, remote, link, ours, by_external, by_ours)
            return
        self.bump(kind, "conflicts")
        winner = self.winner(remote, ours)
        note = {"conflict": True, "strategy": self.run.conflict_strategy, "winner": winner}
        if winner == "provider" and self.run.pulls():
            self.apply_remote(kind, remote, link, ours, by_external, by_ours, note=note)
        elif winner == "hub" and self.run.pushes():
            self.push_one(kind, ours, link, by_external, by_ours, external_id=remote.external_id, note=note)
        else:
            self.log(
                kind,
                operation="sync",
                status="pending",
                ours=ours,
                remote=remote,
                **note,
                message=f"{kind[:-1].title()} {remote.external_id} changed on both sides; {winner} wins, "
                f"but a {self.run.direction} sync does not write that way: left as is.",
            )

    def winner(self, remote: records.Remote, ours: Product | Customer) -> str:
        strategy = self.run.conflict_strategy
        if strategy == SyncRun.ConflictStrategy.HUB_WINS:
            return "hub"
        if strategy == SyncRun.ConflictStrategy.PROVIDER_WINS:
            return "provider"
        # timestamp: the side modified last wins; a provider record without a date loses.
        if remote.modified_at is not None and remote.modified_at > ours.updated_at:
            return "provider"
        return "hub"

    def relink(
        self,
        kind: str,
        link: SyncLink | None,
        ours: Any,
        remote: records.Remote | None,
        by_external: dict[str, SyncLink],
        by_ours: dict[str, SyncLink],
        content_hash: str,
        external_id: str | None = None,
    ) -> SyncLink:
        values = {
            "our_id": str(ours.pk),
            "content_hash": content_hash,
            "our_modified_at": ours.updated_at,
            "last_run": self.run,
        }
        if remote is not None:
            values["external_modified_at"] = remote.modified_at
        ext = external_id or (remote.external_id if remote else "")
        if link is None:
            link = SyncLink.objects.create(
                company_id=self.run.company_id,
                integration=self.integration,
                kind=LINK_KIND[kind],
                external_id=ext,
                **values,
            )
        else:
            for name, value in values.items():
                setattr(link, name, value)
            link.save(update_fields=[*values, "updated_at"])
        by_external[link.external_id] = link
        by_ours[link.our_id] = link
        return link

    def apply_remote(
        self,
        kind: str,
        remote: records.Remote,
        link: SyncLink | None,
        ours: Any,
        by_external: dict[str, SyncLink],
        by_ours: dict[str, SyncLink],
        *,
        created: bool = False,
        note: dict[str, Any] | None = None,
    ) -> None:
        fields = remote.fields
        try:
            with transaction.atomic():
                # The shared fields are named as our models' fields and the upserts' arguments.
                if ours is None:
                    upsert = services.product_upsert if kind == "products" else services.customer_upsert
                    ours = upsert(company_id=self.run.company_id, **fields)
                else:
                    for name, value in fields.items():
                        setattr(ours, name, value)
                    ours.save(update_fields=[*fields, "updated_at"])
                if ours.updated_at is None:  # customer_upsert's fresh insert does not read the row back
                    ours.refresh_from_db(fields=["updated_at"])
                self.relink(kind, link, ours, remote, by_external, by_ours, remote.hash)
        except IntegrityError as exc:
            self.fail(
                kind,
                operation="import",
                remote=remote,
                error_details={"error": str(exc)[:500]},
                message=f"{kind[:-1].title()} {remote.external_id} could not be stored: it collides with "
                "another of our records.",
            )
            return
        self.bump(kind, "created" if created else "updated")
        self.log(
            kind,
            operation="import",
            status="success",
            ours=ours,
            remote=remote,
            **(note or {}),
            message=f"{kind[:-1].title()} {remote.external_id} {'created' if created else 'updated'} "
            f"from {self.run.provider}.",
        )

    def push_one(
        self,
        kind: str,
        ours: Any,
        link: SyncLink | None,
        by_external: dict[str, SyncLink],
        by_ours: dict[str, SyncLink],
        *,
        external_id: str | None = None,
        note: dict[str, Any] | None = None,
    ) -> None:
        fields = records.ours_fields(kind, ours)
        body = records.push_body(self.run.provider, kind, fields)
        target = external_id or (link.external_id if link else None)
        try:
            answer = self.client.update(kind, target, body) if target else self.client.create(kind, body)
        except ProviderError as exc:
            if exc.http_status is None or exc.http_status in FATAL_STATUSES or exc.http_status >= 500:
                raise
            self.fail(
                kind,
                operation="export",
                ours=ours,
                external_id=target or "",
                message=f"{kind[:-1].title()} {ours.pk} refused by {self.run.provider}: {exc}",
                error_details={"error": str(exc), "httpStatus": exc.http_status},
            )
            return
        new_id = str(answer.get("id") or target or "")
        if not new_id:
            self.fail(
                kind,
                operation="export",
                ours=ours,
                message=f"{self.run.provider} created {kind[:-1]} {ours.pk} but answered no id.",
            )
            return
        with transaction.atomic():
            if link is None and new_id in by_external:
                link = by_external[new_id]
            self.relink(kind, link, ours, None, by_external, by_ours, records.content_hash(fields), external_id=new_id)
        self.bump(kind, "updated" if target else "created")
        self.bump(kind, "pushed")
        self.log(
            kind,
            operation="export",
            status="success",
            ours=ours,
            external_id=new_id,
            **(note or {}),
            message=f"{kind[:-1].title()} {ours.pk} {'updated' if target else 'created'} "
            f"at {self.run.provider} as {new_id}.",
        )

    def push_rest(self, kind: str, by_ours: dict[str, SyncLink], handled: set[str]) -> None:
        """Push our records the pull phase did not settle: new ones and ones changed only here."""
        model = Product if kind == "products" else Customer
        by_external = {link.external_id: link for link in by_ours.values()}
        qs = model.objects.filter(company_id=self.run.company_id).order_by("created_at", "pk")
        pending = 0
        for ours in qs.iterator(chunk_size=self.run.batch_size):
            key = str(ours.pk)
            link = by_ours.get(key)
            if key in handled or (link is not None and link.last_run_id == self.run.pk):
                continue  # settled by the pull phase of this run (including records it created)
            if (
                link is not None
                and not self.run.force
                and link.our_modified_at
                and ours.updated_at <= link.our_modified_at
            ):
                self.bump(kind, "unchanged")  # untouched here since the last sync: no hashing needed
                continue
            if link is not None and records.content_hash(records.ours_fields(kind, ours)) == link.content_hash:
                self.bump(kind, "unchanged")
                continue
            self.push_one(kind, ours, link, by_external, by_ours)
            pending += 1
            if pending >= self.run.batch_size:
                self.save_progress()
                pending = 0

    def pull_order(self, raw: dict[str, Any], by_external: dict[str, SyncLink]) -> None:
        remote = self._remote("orders", raw)
        if remote is None:
            return
        link = by_external.get(remote.external_id)
        if link is not None and link.content_hash == remote.hash:
            self.bump("orders", "unchanged")
            return
        message = InboundMessage(
            id=self.run.id,
            company_id=self.run.company_id,
            integration_id=self.integration.id,
            provider=self.run.provider,
            topic="sync",
            provider_event_id=f"sync:{remote.external_id}",
            payload=raw,
            received_at=timezone.now(),
        )
        try:
            with transaction.atomic():
                # The webhook import's create-or-update (and cancel) path, so a pulled order and a
                # pushed one end up the same; it lives in orders.inbound beside the mappers.
                outcome, order = inbound._apply(message, remote.mapped, f"sync:{self.run.id}")
                values = {
                    "our_id": str(order.id),
                    "content_hash": remote.hash,
                    "external_modified_at": remote.modified_at,
                    "our_modified_at": order.updated_at,
                    "last_run": self.run,
                }
                link, _ = SyncLink.objects.update_or_create(
                    integration=self.integration,
                    kind=SyncLink.Kind.ORDER,
                    external_id=remote.external_id,
                    defaults=values,
                    create_defaults={**values, "company_id": self.run.company_id},
                )
                by_external[remote.external_id] = link
        except services.OrderValidationError as exc:
            self.fail(
                "orders",
                operation="import",
                remote=remote,
                error_details=exc.details,
                message=f"Order {remote.external_id} rejected: {exc.message}",
            )
            return
        created = outcome.startswith("imported")
        self.bump("orders", "created" if created else ("unchanged" if "unchanged" in outcome else "updated"))
        self.log(
            "orders",
            operation="import",
            status="success",
            remote=remote,
            orderId=str(order.id),
            message=f"Order {remote.external_id} {outcome} by sync.",
        )


# --- housekeeping -------------------------------------------------------------------------


def sync_fail_stale(*, older_than_seconds: int) -> int:
    """Fail runs stuck queued/running past the limit (a lost worker), so the integration can sync again."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    stale = list(SyncRun.objects.filter(status__in=SyncRun.ACTIVE_STATUSES, updated_at__lt=cutoff))
    for run in stale:
        if (
            SyncRun.objects.filter(pk=run.pk, status=run.status, updated_at=run.updated_at).update(
                status=SyncRun.Status.FAILED,
                error="The run made no progress and was stopped (worker lost?).",
                finished_at=timezone.now(),
                updated_at=timezone.now(),
            )
            == 1
        ):
            run.refresh_from_db()
            event_publish(run.company_id, "sync.failed", _event_data(run), idempotency_key=f"sync:{run.id}:failed")
    return len(stale)


def sync_schedules_run(*, now: datetime | None = None, start: Callable[..., SyncRun] = sync_start) -> int:
    """Start the syncs of due schedules; an integration already syncing is tried again next interval."""
    now = now or timezone.now()
    started = 0
    due = SyncSchedule.objects.select_related("integration").filter(is_active=True).exclude(next_run_at__gt=now)
    for schedule in due:
        # Claim the schedule first, so two beat ticks (or two beats) never start it twice.
        claimed = SyncSchedule.objects.filter(pk=schedule.pk, next_run_at=schedule.next_run_at).update(
            next_run_at=now + timedelta(minutes=schedule.interval_minutes), updated_at=now
        )
        if claimed != 1:
            continue
        try:
            run = start(
                integration=schedule.integration,
                sync_type=schedule.sync_type,
                direction=schedule.direction,
                conflict_strategy=schedule.conflict_strategy,
                triggered_by=SyncRun.Trigger.SCHEDULE,
                triggered_by_id=str(schedule.pk),
            )
        except (SyncAlreadyRunning, SyncRefused) as exc:
            logger.info("scheduled sync of %s skipped: %s", schedule.integration_id, exc)
            continue
        SyncSchedule.objects.filter(pk=schedule.pk).update(last_run=run)
        started += 1
    return started


def sync_run_again(*, run: SyncRun, triggered_by: str, triggered_by_id: str = "") -> SyncRun:
    """Start a new run with the same type, direction, strategy and batch size (the admin's "run again")."""
    return sync_start(
        integration=run.integration,
        sync_type=run.sync_type,
        direction=run.direction,
        conflict_strategy=run.conflict_strategy,
        batch_size=run.batch_size,
        force=run.force,
        triggered_by=triggered_by,
        triggered_by_id=triggered_by_id,
    )
