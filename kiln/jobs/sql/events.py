"""`SqlEvents`: a job's event log (`append_event`, `events_after`), read by SSE, WebSocket and the studio."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from kiln.jobs.ids import stored_id
from kiln.jobs.records import EventRecord
from kiln.jobs.sql.base import SqlBase, by_id
from kiln.jobs.sql.common import append_event, event_record, lock_jobs, record_progress
from kiln.jobs.sql.tables import EVENTS, JOBS

__all__ = ["SqlEvents"]


class SqlEvents(SqlBase):
    """`append_event` and `events_after` of `JobStore`: an event is appended in the job's lock order (its items'
    progress rows first, then the job's row)."""

    def append_event(self, job_id: str, type: str, data: dict[str, Any]) -> EventRecord:
        if (found := stored_id(job_id)) is None:
            raise KeyError(f"no job {job_id!r}")
        job_id = found  # either case names the job
        with self._write() as conn:
            if conn.execute(select(JOBS.c.id).where(JOBS.c.id == job_id)).first() is None:
                raise KeyError(f"no job {job_id!r}")
            record_progress(conn, job_id, type, data)  # item rows first, then the job's (the lock order)
            lock_jobs(conn, [job_id])
            return append_event(conn, job_id, type, data, self._clock())

    @by_id([])
    def events_after(self, job_id: str, after_id: int, *, limit: int = 500) -> list[EventRecord]:
        query = (
            select(EVENTS).where(EVENTS.c.job_id == job_id, EVENTS.c.id > after_id).order_by(EVENTS.c.id).limit(limit)
        )
        with self._read() as conn:
            return [event_record(row) for row in conn.execute(query)]
