"""`SqlStore`: the job store on SQLite (WAL) or PostgreSQL, with API keys and the webhook outbox.

Claiming is safe across processes: on PostgreSQL the candidate items are locked with `FOR NO KEY UPDATE SKIP
LOCKED`, so concurrent claimers take disjoint items without waiting; on SQLite each write transaction begins
with `BEGIN IMMEDIATE`, so claims run one at a time. See `kiln.jobs.sql.common` for the lock order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, Select, bindparam, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from kiln.jobs.fair_share import owner_first, turn_order
from kiln.jobs.gallery import gallery_fields
from kiln.jobs.ids import cursor_id, new_id
from kiln.jobs.lifecycle import (
    check_items,
    empty_counts,
    fit_micro_batches,
    item_event,
    job_event,
    lost_lease_error,
    retry_state,
    storage_job_error,
    unit_cap,
)
from kiln.jobs.quota import Charge
from kiln.jobs.records import (
    FINAL_JOB_STATES,
    ArtifactRecord,
    ItemRecord,
    ItemState,
    JobRecord,
    JobState,
    NewArtifact,
    NewJob,
    WorkUnit,
)
from kiln.jobs.sql.base import by_id
from kiln.jobs.sql.common import (
    append_event,
    artifact_record,
    count_items,
    finish_job,
    item_record,
    job_records,
    job_state_event,
    load_job,
    lock_jobs,
    settle_job,
)
from kiln.jobs.sql.events import SqlEvents
from kiln.jobs.sql.fair import last_served, owned_by, owners_waiting
from kiln.jobs.sql.gallery import SqlGallery
from kiln.jobs.sql.grids import SqlGrids
from kiln.jobs.sql.keys import SqlKeyStore
from kiln.jobs.sql.outbox import SqlOutbox
from kiln.jobs.sql.queue_stats import SqlQueueStats
from kiln.jobs.sql.rates import SqlRates
from kiln.jobs.sql.remote_items import SqlRemoteItems
from kiln.jobs.sql.tables import ARTIFACTS, BOARD_ARTIFACTS, COUNTERS, EVENTS, ITEMS, JOBS
from kiln.jobs.sql.usage import SqlUsage, charge_usage
from kiln.jobs.sql.workers import SqlWorkerRegistry
from kiln.remote.models import NAMESPACES
from kiln.task_item import WorkItem, item_from_dict
from kiln.types import ImageItem, Signature

__all__ = ["SqlStore"]

_CLAIM_ORDER = (ITEMS.c.priority.desc(), ITEMS.c.job_created, ITEMS.c.job_id, ITEMS.c.item_index)
_SPEC_FIELDS = tuple(f.name for f in dataclasses.fields(ImageItem))  # all scalars but the adapters
_LEASE_CLEARED = {"unit_id": None, "worker_id": None, "lease_expires_at": None}
# Statements run once per item finished, built once with their values bound at execution (building them anew
# each time costs more than SQLite takes to run them)
_INSERT_ARTIFACT = insert(ARTIFACTS).values(  # the job's owner read in the same statement
    owner=select(JOBS.c.owner).where(JOBS.c.id == bindparam("b_job_id")).scalar_subquery()
)
_FINISH_ITEM = (
    update(ITEMS)
    .where(
        ITEMS.c.id == bindparam("b_item_id"),
        ITEMS.c.unit_id == bindparam("b_unit_id"),
        ITEMS.c.state == "running",
        ITEMS.c.lease_expires_at > bindparam("b_now", type_=ITEMS.c.lease_expires_at.type),
    )
    .values(
        state=bindparam("b_state", type_=ITEMS.c.state.type),
        error=bindparam("b_error", type_=ITEMS.c.error.type),
        finished_at=bindparam("b_finished_at", type_=ITEMS.c.finished_at.type),
        **_LEASE_CLEARED,
    )
    .returning(ITEMS.c.job_id, ITEMS.c.item_index, ITEMS.c.attempts, ITEMS.c.spec)
)


class SqlStore(
    SqlKeyStore,
    SqlOutbox,
    SqlWorkerRegistry,
    SqlUsage,
    SqlRates,
    SqlGrids,
    SqlGallery,
    SqlRemoteItems,
    SqlQueueStats,
    SqlEvents,
):
    """A `JobStore` (with its `GalleryStore`), `KeyStore`, `WebhookOutbox` and `WorkerRegistry` on one database:
    `SqlStore(url_or_engine, clock=...)`."""

    # jobs
    def create_job(self, job: NewJob, items: Sequence[WorkItem], *, charge: Charge | None = None) -> JobRecord:
        check_items(items)
        now = self._clock()
        job_id = new_id(now)
        signatures: dict[Signature, str] = {}
        rows = []
        for item in items:
            signature = item.signature()
            key = signatures.get(signature) or signatures.setdefault(signature, signature.key())
            rows.append({
                "job_id": job_id, "item_index": item.index, "state": "pending", "priority": job.priority,
                "job_created": now, "owner": job.owner, "signature": key, "model": item.model, "attempts": 0,
                "spec": (  # ImageItem.to_dict(), faster
                    {name: getattr(item, name) for name in _SPEC_FIELDS}
                    if isinstance(item, ImageItem) and not item.loras and item.control is None
                    else item.to_dict()  # adapters are dataclasses: asdict makes them JSON
                ),
            })  # fmt: skip
        values = {
            "id": job_id, "kind": job.kind, "state": "queued", "priority": job.priority, "owner": job.owner,
            "prefix": job.prefix, "save": job.save, "micro_batch": job.micro_batch, "webhook_url": job.webhook_url,
            "max_attempts": job.max_attempts, "request": dict(job.request), "total": len(rows), "created_at": now,
        }  # fmt: skip
        if job.grid is not None:  # only then: the statement of every other job stays as it was
            values |= {"grid": dict(job.grid), "grid_due": now}
        if job.idempotency_key is not None:
            values["idempotency_key"] = job.idempotency_key
            known = self.job_for_key(job.owner, job.idempotency_key)
            if known is not None:
                return known
        counts = empty_counts() | {"pending": len(rows)}
        try:
            with self._write() as conn:
                if job.owner is not None:  # first: a refused job writes nothing
                    charge_usage(conn, job.owner, job_id, charge or Charge(len(rows)), now)
                conn.execute(insert(JOBS).values(values))
                _insert_items(conn, rows)
                append_event(conn, job_id, "job.state", job_event("queued", len(rows), counts), now)
        except IntegrityError:  # the same owner and key, inserted by a submit that raced this one
            known = self.job_for_key(job.owner, job.idempotency_key) if job.idempotency_key is not None else None
            if known is None:
                raise
            return known
        return JobRecord(
            job_id, job.kind, "queued", job.priority, job.owner, job.prefix, job.save, job.micro_batch,
            job.webhook_url, job.max_attempts, dict(job.request), len(rows), counts, now, None, None, None, 0.0,
            job.grid,
        )  # fmt: skip

    @by_id(None)
    def get_job(self, job_id: str, *, owner: str | None = None) -> JobRecord | None:
        with self._read() as conn:
            return load_job(conn, job_id, owner=owner)

    def list_jobs(
        self,
        *,
        owner: str | None = None,
        states: Collection[JobState] | None = None,
        limit: int = 50,
        before: str | None = None,
    ) -> list[JobRecord]:
        query = select(JOBS).order_by(JOBS.c.id.desc()).limit(limit)
        if owner is not None:
            query = query.where(JOBS.c.owner == owner)
        if states is not None:
            query = query.where(JOBS.c.state.in_(list(states)))
        if before is not None:
            query = query.where(JOBS.c.id < cursor_id(before))
        with self._read() as conn:
            return job_records(conn, conn.execute(query).all())

    @by_id([])
    def list_items(
        self, job_id: str, *, states: Collection[ItemState] | None = None, offset: int = 0, limit: int = 100
    ) -> list[ItemRecord]:
        query = select(ITEMS).where(ITEMS.c.job_id == job_id).order_by(ITEMS.c.item_index).offset(offset).limit(limit)
        if states is not None:
            query = query.where(ITEMS.c.state.in_(list(states)))
        with self._read() as conn:
            return [item_record(row) for row in conn.execute(query)]

    @by_id(None)
    def cancel_job(self, job_id: str) -> JobRecord | None:
        with self._write() as conn:
            now = self._clock()
            state = conn.execute(select(JOBS.c.state).where(JOBS.c.id == job_id)).scalar_one_or_none()
            if state is None:
                return None
            if state not in FINAL_JOB_STATES:
                pending = ITEMS.c.job_id == job_id, ITEMS.c.state == "pending"
                conn.execute(update(ITEMS).where(*pending).values(state="canceled", finished_at=now))
                lock_jobs(conn, [job_id])
                state = conn.execute(select(JOBS.c.state).where(JOBS.c.id == job_id)).scalar_one_or_none()
                if state is not None and state not in FINAL_JOB_STATES:  # read again under the lock
                    finish_job(conn, job_id, "canceled", now)
            return load_job(conn, job_id)

    @by_id(None)
    def retry_job(self, job_id: str) -> JobRecord | None:
        with self._write() as conn:
            now = self._clock()
            if conn.execute(select(JOBS.c.id).where(JOBS.c.id == job_id)).first() is None:
                return None
            retry = ITEMS.c.job_id == job_id, ITEMS.c.state.in_(["failed", "canceled"])
            reset = {"state": "pending", "attempts": 0, "error": None, "started_at": None, "finished_at": None}
            reset["remote_id"] = None  # a retried item starts new remote work
            if conn.execute(update(ITEMS).where(*retry).values(reset)).rowcount:
                lock_jobs(conn, [job_id])
                counts = count_items(conn, [job_id])[job_id]
                values: dict[str, Any] = {"state": "queued", "started_at": None, "finished_at": None, "error": None}
                if counts["done"] or counts["running"]:
                    del values["started_at"]
                    values["state"] = "running"
                conn.execute(update(JOBS).where(JOBS.c.id == job_id).values(values))
                owed = JOBS.c.id == job_id, JOBS.c.grid.is_not(None)  # made again once the job completes again
                conn.execute(update(JOBS).where(*owed).values(grid_due=now))
                job = load_job(conn, job_id)
                assert job is not None
                job_state_event(conn, job, now)
            return load_job(conn, job_id)

    @by_id(None)
    def set_priority(self, job_id: str, priority: int) -> JobRecord | None:
        with self._write() as conn:
            state = conn.execute(select(JOBS.c.state).where(JOBS.c.id == job_id)).scalar_one_or_none()
            if state is not None and state not in FINAL_JOB_STATES:
                unfinished = ITEMS.c.job_id == job_id, ITEMS.c.state != "done"  # items first: the lock order
                conn.execute(update(ITEMS).where(*unfinished).values(priority=priority))
                lock_jobs(conn, [job_id])
                conn.execute(update(JOBS).where(JOBS.c.id == job_id).values(priority=priority))
            return load_job(conn, job_id)

    @by_id(None)
    def delete_job(self, job_id: str) -> list[str] | None:
        with self._write() as conn:
            if conn.execute(select(JOBS.c.id).where(JOBS.c.id == job_id)).first() is None:
                return None
            # lock the items first: a unit completing one of them commits its artifact before we collect keys
            conn.execute(select(ITEMS.c.id).where(ITEMS.c.job_id == job_id).with_for_update()).all()
            job_artifacts = select(ARTIFACTS.c.id).where(ARTIFACTS.c.job_id == job_id)
            conn.execute(delete(BOARD_ARTIFACTS).where(BOARD_ARTIFACTS.c.artifact_id.in_(job_artifacts)))
            artifacts = delete(ARTIFACTS).where(ARTIFACTS.c.job_id == job_id)
            keys = conn.execute(artifacts.returning(ARTIFACTS.c.item_index, ARTIFACTS.c.storage_key)).tuples().all()
            for table in (EVENTS, ITEMS, JOBS):
                column = table.c.id if table is JOBS else table.c.job_id
                conn.execute(delete(table).where(column == job_id))
            return [key for _, key in sorted(keys)]

    # work
    def claim(
        self,
        worker_id: str,
        *,
        max_items: int,
        lease_seconds: float,
        models: Collection[str] | None = None,
        backend: str | None = None,
    ) -> WorkUnit | None:
        if max_items < 1:
            raise ValueError("max_items must be at least 1")
        if models is not None and not models:
            return None

        now = self._clock()

        def pending(query: Select[Any], limit: int) -> Select[Any]:
            query = query.where(ITEMS.c.state == "pending", or_(ITEMS.c.retry_at.is_(None), ITEMS.c.retry_at <= now))
            if models is not None:
                query = query.where(ITEMS.c.model.in_(list(models)))
            if backend is None:  # a local worker: never a remote model's items
                query = query.where(*(ITEMS.c.model.not_like(f"{namespace}:%") for namespace in NAMESPACES))
            else:
                query = query.where(ITEMS.c.model.like(f"{backend}:%"))
            return query.order_by(*_CLAIM_ORDER).limit(limit).with_for_update(skip_locked=True, key_share=True)

        with self._write() as conn:
            columns = select(ITEMS.c.id, ITEMS.c.job_id, ITEMS.c.signature, ITEMS.c.attempts, ITEMS.c.owner)
            head = conn.execute(pending(columns.add_columns(ITEMS.c.priority), 1)).first()
            if head is None:
                return None
            first: Row[Any] | None = head
            owners = owners_waiting(conn, head.priority)
            if len(owners) > 1:  # take turns (kiln.jobs.fair_share); head is its owner's best item
                at = columns.where(ITEMS.c.priority == head.priority)
                for owner in turn_order(last_served(conn, owners)):
                    first = (
                        head
                        if owner == head.owner
                        else conn.execute(pending(at.where(owned_by(ITEMS.c.owner, owner)), 1)).first()
                    )
                    if first is not None:
                        break
            assert first is not None  # head's owner is among the owners
            ids = [first.id]
            if first.attempts == 0:
                micro_batch = select(JOBS.c.micro_batch).where(JOBS.c.id == first.job_id)
                cap = unit_cap(max_items, conn.execute(micro_batch).scalar_one())
                batch = select(ITEMS.c.id, ITEMS.c.job_id).where(ITEMS.c.attempts == 0)
                candidates: Sequence[Row[Any]] = []
                if len(owners) > 1:  # the owner's own at this priority first, by its seek (`ix_items_owner_claim`):
                    # the signature as an expression, so that SQLite does not walk other owners' items of that
                    # signature in `ix_items_batch` instead
                    own = batch.where(ITEMS.c.priority == head.priority, owned_by(ITEMS.c.owner, first.owner))
                    own = own.where(ITEMS.c.signature.concat("") == first.signature)
                    candidates = conn.execute(pending(own, cap)).all()
                if len(candidates) < cap:
                    anyone = batch.where(ITEMS.c.signature == first.signature)
                    candidates = owner_first(candidates, conn.execute(pending(anyone, cap)).all())
                ids = fit_micro_batches(_with_micro_batches(conn, candidates), cap)
            unit_id, expires = new_id(now), now + timedelta(seconds=lease_seconds)
            values = {"state": "running", "unit_id": unit_id, "worker_id": worker_id, "lease_expires_at": expires}
            values |= {"started_at": now, "finished_at": None, "progress": None}
            conn.execute(update(ITEMS).where(ITEMS.c.id.in_(ids)).values(values))
            rows = conn.execute(select(ITEMS).where(ITEMS.c.id.in_(ids)).order_by(*_CLAIM_ORDER)).all()
            job_ids = sorted({row.job_id for row in rows})
            lock_jobs(conn, job_ids)
            conn.execute(update(JOBS).where(JOBS.c.id.in_(job_ids)).values(last_unit=unit_id))  # their owners served
            started = update(JOBS).where(JOBS.c.id.in_(job_ids), JOBS.c.state == "queued")
            started_ids = conn.execute(started.values(state="running", started_at=now).returning(JOBS.c.id)).scalars()
            for job_id in sorted(started_ids):
                job = load_job(conn, job_id)
                assert job is not None
                job_state_event(conn, job, now)
            for row in rows:
                data = item_event(row.id, row.item_index, "running", row.attempts)
                append_event(conn, row.job_id, "item.state", data, now)
        return WorkUnit(unit_id, worker_id, tuple(item_record(row) for row in rows), expires)

    def heartbeat(self, unit_id: str, *, lease_seconds: float) -> list[int]:
        with self._write() as conn:
            now = self._clock()
            held = ITEMS.c.unit_id == unit_id, ITEMS.c.state == "running", ITEMS.c.lease_expires_at > now
            query = update(ITEMS).where(*held).values(lease_expires_at=now + timedelta(seconds=lease_seconds))
            rows = conn.execute(query.returning(ITEMS.c.id, ITEMS.c.job_id)).all()
            job_ids = {row.job_id for row in rows}
            canceled_query = select(JOBS.c.id).where(JOBS.c.id.in_(list(job_ids)), JOBS.c.state == "canceled")
            canceled = set(conn.execute(canceled_query).scalars()) if job_ids else set()
        return sorted(row.id for row in rows if row.job_id not in canceled)

    def complete_item(self, unit_id: str, item_id: int, artifact: NewArtifact) -> bool:
        with self._write() as conn:
            now = self._clock()
            row = self._finish_item(conn, unit_id, item_id, "done", None, now)
            if row is None:
                return False
            artifact_id = new_id(now)
            values = {
                "id": artifact_id, "job_id": row.job_id, "item_id": item_id, "item_index": row.item_index,
                "storage_key": artifact.storage_key, "content_type": artifact.content_type,
                "size_bytes": artifact.size_bytes, "width": artifact.width, "height": artifact.height,
                "metadata": dict(artifact.metadata), "created_at": now,
                "b_job_id": row.job_id, "starred": False,
                **gallery_fields(item_from_dict(row.spec), artifact.metadata, artifact.content_type),
            }  # fmt: skip
            conn.execute(_INSERT_ARTIFACT, values)
            if row.attempts:  # a retried item is done: the job's last storage error is over
                conn.execute(update(JOBS).where(JOBS.c.id == row.job_id, JOBS.c.error.is_not(None)).values(error=None))
            data = item_event(item_id, row.item_index, "done", row.attempts, artifact_id=artifact_id)
            append_event(conn, row.job_id, "item.state", data, now)
            settle_job(conn, row.job_id, now)
            return True

    def fail_item(self, unit_id: str, item_id: int, error: str) -> bool:
        with self._write() as conn:
            now = self._clock()
            row = self._finish_item(conn, unit_id, item_id, "failed", error, now)
            if row is None:
                return False
            data = item_event(item_id, row.item_index, "failed", row.attempts, error=error)
            append_event(conn, row.job_id, "item.state", data, now)
            settle_job(conn, row.job_id, now)
            return True

    def release_unit(self, unit_id: str) -> int:
        with self._write() as conn:
            now = self._clock()
            held = select(ITEMS).where(ITEMS.c.unit_id == unit_id, ITEMS.c.state == "running").order_by(ITEMS.c.id)
            rows = conn.execute(held.with_for_update(key_share=True)).all()
            states = self._lock_job_states(conn, {row.job_id for row in rows})
            for row in rows:
                state: ItemState = "canceled" if states.get(row.job_id) == "canceled" else "pending"
                self._move_item(conn, row, state, row.attempts, row.error, now)
            return len(rows)

    def storage_failed(self, unit_id: str, item_id: int, error: str, *, retry_in: float) -> ItemState | None:
        with self._write() as conn:
            now = self._clock()
            _count(conn, "storage_errors")
            held = ITEMS.c.id == item_id, ITEMS.c.unit_id == unit_id, ITEMS.c.state == "running"
            query = select(ITEMS).where(*held, ITEMS.c.lease_expires_at > now)
            row = conn.execute(query.with_for_update(key_share=True)).first()
            if row is None:
                return None
            job_state = self._lock_job_states(conn, [row.job_id])[row.job_id]
            limit = conn.execute(select(JOBS.c.max_attempts).where(JOBS.c.id == row.job_id)).scalar_one()
            attempts = row.attempts + 1
            state = retry_state(attempts, limit, job_state)
            self._move_item(conn, row, state, attempts, error, now)
            if state == "pending":
                retry_at = now + timedelta(seconds=retry_in)
                conn.execute(update(ITEMS).where(ITEMS.c.id == item_id).values(retry_at=retry_at))
            if job_state not in FINAL_JOB_STATES:
                told = storage_job_error(row.item_index, error, attempts, limit, retry_in)
                conn.execute(update(JOBS).where(JOBS.c.id == row.job_id).values(error=told))
            settle_job(conn, row.job_id, now)
            return state

    def expire_leases(self) -> int:
        with self._write() as conn:
            now = self._clock()
            expired = select(ITEMS).where(ITEMS.c.state == "running", ITEMS.c.lease_expires_at <= now)
            rows = conn.execute(expired.order_by(ITEMS.c.id).with_for_update(skip_locked=True, key_share=True)).all()
            job_ids = {row.job_id for row in rows}
            states = self._lock_job_states(conn, job_ids)
            query = select(JOBS.c.id, JOBS.c.max_attempts).where(JOBS.c.id.in_(list(job_ids)))
            max_attempts = dict(conn.execute(query).tuples().all()) if job_ids else {}
            for row in rows:
                if states.get(row.job_id) == "canceled":
                    self._move_item(conn, row, "canceled", row.attempts, row.error, now)
                    continue
                attempts = row.attempts + 1
                state: ItemState = "failed" if attempts >= max_attempts[row.job_id] else "pending"
                self._move_item(conn, row, state, attempts, lost_lease_error(attempts), now)
            for job_id in sorted(job_ids):
                settle_job(conn, job_id, now)
            return len(rows)

    # artifacts
    @by_id([])
    def list_artifacts(self, job_id: str) -> list[ArtifactRecord]:
        query = select(ARTIFACTS).where(ARTIFACTS.c.job_id == job_id).order_by(ARTIFACTS.c.item_index)
        with self._read() as conn:
            return [artifact_record(row) for row in conn.execute(query)]

    @by_id(None)
    def get_artifact(self, artifact_id: str) -> ArtifactRecord | None:
        with self._read() as conn:
            row = conn.execute(select(ARTIFACTS).where(ARTIFACTS.c.id == artifact_id)).one_or_none()
        return None if row is None else artifact_record(row)

    # steps inside a write transaction
    def _finish_item(
        self, conn: Connection, unit_id: str, item_id: int, state: ItemState, error: str | None, now: datetime
    ) -> Row[Any] | None:
        """Moves an item the unit holds under a live lease to a final state; its row (job_id, index, attempts)."""
        values = {"b_item_id": item_id, "b_unit_id": unit_id, "b_now": now, "b_finished_at": now}
        row = conn.execute(_FINISH_ITEM, values | {"b_state": state, "b_error": error}).first()
        if row is not None:
            lock_jobs(conn, [row.job_id])
        return row

    def _lock_job_states(self, conn: Connection, job_ids: Collection[str]) -> dict[str, str]:
        """Locks the jobs and reads their states under the lock."""
        lock_jobs(conn, job_ids)
        if not job_ids:
            return {}
        query = select(JOBS.c.id, JOBS.c.state).where(JOBS.c.id.in_(list(job_ids)))
        return dict(conn.execute(query).tuples().all())

    def _move_item(
        self, conn: Connection, row: Row[Any], state: ItemState, attempts: int, error: str | None, now: datetime
    ) -> None:
        """Moves a running item back to pending or to a final state, with its event."""
        values: dict[str, Any] = {"state": state, "attempts": attempts, "error": error, "progress": None}
        values |= _LEASE_CLEARED
        values |= {"started_at": None, "finished_at": None} if state == "pending" else {"finished_at": now}
        conn.execute(update(ITEMS).where(ITEMS.c.id == row.id).values(values))
        data = item_event(row.id, row.item_index, state, attempts, error=error)
        append_event(conn, row.job_id, "item.state", data, now)


def _count(conn: Connection, name: str) -> None:
    """Adds one to a counter of the `counters` table (its row comes with the migration; made here if missing)."""
    if not conn.execute(update(COUNTERS).where(COUNTERS.c.name == name).values(value=COUNTERS.c.value + 1)).rowcount:
        conn.execute(insert(COUNTERS).values(name=name, value=1))


def _with_micro_batches(conn: Connection, rows: Sequence[Row[Any]]) -> list[tuple[int, int | None]]:
    """(item id, its job's micro_batch) for claim candidates, in their order."""
    job_ids = sorted({row.job_id for row in rows})
    query = select(JOBS.c.id, JOBS.c.micro_batch).where(JOBS.c.id.in_(job_ids))
    micro_batches: dict[str, int | None] = dict(conn.execute(query).tuples().all())
    return [(row.id, micro_batches[row.job_id]) for row in rows]


def _insert_items(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Bulk insert: `COPY` on PostgreSQL (several times faster than batched INSERTs), executemany elsewhere."""
    if conn.dialect.name != "postgresql":
        conn.execute(insert(ITEMS), rows)
        return
    from psycopg.types.json import Json  # only PostgreSQL deployments need psycopg

    columns = list(rows[0])
    dbapi_connection: Any = conn.connection.driver_connection
    with dbapi_connection.cursor() as cursor, cursor.copy(f"COPY items ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([Json(row[c]) if c == "spec" else row[c] for c in columns])
