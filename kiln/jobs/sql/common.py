"""Steps the SQL stores share inside one transaction: rows to records, job locks, events, settling a job.

Lock order on PostgreSQL, kept by every write: item rows first, then job rows in id order (`lock_jobs`), then
events. Holding the job row while appending its events also commits a job's events in id order, so a reader
paging with `events_after` never skips one. On SQLite a write transaction holds the database lock throughout.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, func, insert, select, update

from kiln.jobs.lifecycle import (
    empty_counts,
    failed_job_error,
    job_event,
    job_summary,
    reported_progress,
    settled_state,
)
from kiln.jobs.outbox import WebhookDelivery
from kiln.jobs.records import FINAL_JOB_STATES, ArtifactRecord, EventRecord, ItemRecord, JobRecord, JobState
from kiln.jobs.sql.base import EVENT_JOBS
from kiln.jobs.sql.tables import EVENTS, ITEMS, JOBS, WEBHOOKS
from kiln.task_item import item_from_dict

__all__ = [
    "append_event",
    "artifact_record",
    "count_items",
    "event_record",
    "finish_job",
    "insert_webhook",
    "item_record",
    "job_record",
    "job_records",
    "job_state_event",
    "load_job",
    "lock_jobs",
    "record_progress",
    "running_progress",
    "settle_job",
    "webhook_record",
]


def job_record(row: Row[Any], counts: dict[str, int], running_progress: float = 0.0) -> JobRecord:
    return JobRecord(
        row.id, row.kind, row.state, row.priority, row.owner, row.prefix, row.save, row.micro_batch,
        row.webhook_url, row.max_attempts, row.request, row.total, counts, row.created_at, row.started_at,
        row.finished_at, row.error, running_progress, row.grid,
        row.grid_artifact_id if row.grid_due is None else None,
    )  # fmt: skip


def job_records(conn: Connection, rows: Sequence[Row[Any]]) -> list[JobRecord]:
    """Job rows as records, with their item counts and the progress of their running items."""
    counts = count_items(conn, [row.id for row in rows])
    running = running_progress(conn, [row.id for row in rows if counts[row.id]["running"]])
    return [job_record(row, counts[row.id], running.get(row.id, 0.0)) for row in rows]


def item_record(row: Row[Any]) -> ItemRecord:
    return ItemRecord(
        row.id, row.job_id, row.item_index, row.state, item_from_dict(row.spec), row.attempts, row.error,
        row.started_at, row.finished_at, row.remote_id,
    )  # fmt: skip


def artifact_record(row: Row[Any]) -> ArtifactRecord:
    return ArtifactRecord(
        row.id, row.job_id, row.item_id, row.item_index, row.storage_key, row.content_type, row.size_bytes, row.width,
        row.height, row.metadata, row.created_at,
    )  # fmt: skip


def event_record(row: Row[Any]) -> EventRecord:
    return EventRecord(row.id, row.job_id, row.type, row.data, row.created_at)


def webhook_record(row: Row[Any]) -> WebhookDelivery:
    return WebhookDelivery(
        row.id, row.job_id, row.url, row.payload, row.state, row.attempts, row.next_attempt_at, row.last_error,
        row.created_at, row.delivered_at,
    )  # fmt: skip


def count_items(conn: Connection, job_ids: Collection[str]) -> dict[str, dict[str, int]]:
    """Item counts per state (every state present) for each of `job_ids`."""
    counts = {job_id: empty_counts() for job_id in job_ids}
    if job_ids:
        query = (
            select(ITEMS.c.job_id, ITEMS.c.state, func.count())
            .where(ITEMS.c.job_id.in_(list(job_ids)))
            .group_by(ITEMS.c.job_id, ITEMS.c.state)
        )
        for job_id, state, count in conn.execute(query):
            counts[job_id][state] = count
    return counts


def running_progress(conn: Connection, job_ids: Collection[str]) -> dict[str, float]:
    """The latest fractions done of each job's running items, summed (jobs with none reported are absent)."""
    if not job_ids:
        return {}
    query = (
        select(ITEMS.c.job_id, func.sum(ITEMS.c.progress))
        .where(ITEMS.c.job_id.in_(list(job_ids)), ITEMS.c.state == "running", ITEMS.c.progress.is_not(None))
        .group_by(ITEMS.c.job_id)
    )
    return {job_id: float(total) for job_id, total in conn.execute(query)}


def record_progress(conn: Connection, job_id: str, type: str, data: Mapping[str, Any]) -> None:
    """Keep what an `item.progress` event reports as the fraction done of those items while they run."""
    if (reported := reported_progress(type, data)) is not None:
        indexes, fraction = reported
        running = ITEMS.c.job_id == job_id, ITEMS.c.item_index.in_(indexes), ITEMS.c.state == "running"
        conn.execute(update(ITEMS).where(*running).values(progress=fraction))


def load_job(conn: Connection, job_id: str, *, owner: str | None = None) -> JobRecord | None:
    query = select(JOBS).where(JOBS.c.id == job_id)
    if owner is not None:
        query = query.where(JOBS.c.owner == owner)
    row = conn.execute(query).one_or_none()
    return None if row is None else job_records(conn, [row])[0]


def lock_jobs(conn: Connection, job_ids: Iterable[str]) -> None:
    """Locks job rows in id order (PostgreSQL; SQLite's write transaction already excludes other writers)."""
    ids = sorted(set(job_ids))
    if ids and conn.dialect.name == "postgresql":
        query = select(JOBS.c.id).where(JOBS.c.id.in_(ids)).order_by(JOBS.c.id).with_for_update(key_share=True)
        conn.execute(query).all()


# Hot statements built once, their values passed at execution: building `insert(...).values({...})` anew each
# time costs several times what SQLite takes to run it (every item finished writes events).
_INSERT_EVENT = insert(EVENTS).returning(EVENTS.c.id)
_JOB_STATE = select(JOBS.c.state).where(JOBS.c.id == bindparam("b_job_id"))
_UNFINISHED = (  # an index seek, not a count of the whole job: most items finished find work left in their job
    select(ITEMS.c.id).where(ITEMS.c.job_id == bindparam("b_job_id"), ITEMS.c.state.in_(["pending", "running"]))
).limit(1)


def append_event(conn: Connection, job_id: str, type: str, data: dict[str, Any], now: datetime) -> EventRecord:
    """Appends an event; the caller holds the job's lock (`lock_jobs`)."""
    values = {"job_id": job_id, "type": type, "data": data, "created_at": now}
    event_id = conn.execute(_INSERT_EVENT, values).scalar_one()
    if (job_ids := conn.info.get(EVENT_JOBS)) is not None:  # told to the store's listeners after the commit
        job_ids.add(job_id)
    return EventRecord(event_id, job_id, type, data, now)


def insert_webhook(conn: Connection, job_id: str, url: str, payload: dict[str, Any], now: datetime) -> int:
    values = {
        "job_id": job_id,
        "url": url,
        "payload": payload,
        "state": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    delivery_id: int = conn.execute(insert(WEBHOOKS).values(values).returning(WEBHOOKS.c.id)).scalar_one()
    return delivery_id


def job_state_event(conn: Connection, job: JobRecord, now: datetime) -> None:
    data = job_event(job.state, job.total, job.counts, job.error if job.state == "failed" else None)
    append_event(conn, job.id, "job.state", data, now)


def finish_job(conn: Connection, job_id: str, state: JobState, now: datetime, error: str | None = None) -> None:
    """Moves a locked, unfinished job to a final state, with its event and webhook delivery."""
    values = {"state": state, "finished_at": now, "error": error}
    conn.execute(update(JOBS).where(JOBS.c.id == job_id).values(values))
    job = load_job(conn, job_id)
    assert job is not None
    job_state_event(conn, job, now)
    if job.webhook_url:
        insert_webhook(conn, job.id, job.webhook_url, job_summary(job), now)


def settle_job(conn: Connection, job_id: str, now: datetime) -> None:
    """Finishes a locked job that is not canceled once every item is final (completed, or failed if none done)."""
    state = conn.execute(_JOB_STATE, {"b_job_id": job_id}).scalar_one_or_none()
    if state is None or state in FINAL_JOB_STATES:
        return
    if conn.execute(_UNFINISHED, {"b_job_id": job_id}).first() is not None:
        return
    counts = count_items(conn, [job_id])[job_id]
    final = settled_state(counts)
    if final is None:
        return
    error = None
    if final == "failed":
        first_failed = (
            select(ITEMS.c.item_index, ITEMS.c.error)
            .where(ITEMS.c.job_id == job_id, ITEMS.c.state == "failed")
            .order_by(ITEMS.c.item_index)
            .limit(1)
        )
        first = conn.execute(first_failed).first()
        error = failed_job_error(sum(counts.values()), None if first is None else (first.item_index, first.error))
    finish_job(conn, job_id, final, now, error)
