"""`SqlWorkerRegistry`: worker beats in the `workers` table, upserted with `INSERT ... ON CONFLICT`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from kiln.jobs.sql.base import SqlBase
from kiln.jobs.sql.tables import WORKERS
from kiln.jobs.workers import FORGET_AFTER, WorkerRecord

__all__ = ["SqlWorkerRegistry"]


class SqlWorkerRegistry(SqlBase):
    """A `WorkerRegistry` on SQLite or PostgreSQL."""

    def beat(self, worker_id: str, info: Mapping[str, Any]) -> None:
        with self._write() as conn:
            now = self._clock()
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            values = {"worker_id": worker_id, "info": dict(info), "started_at": now, "last_seen": now}
            upsert = dialect.insert(WORKERS).values(values)
            upsert = upsert.on_conflict_do_update(
                index_elements=[WORKERS.c.worker_id],
                set_={"info": upsert.excluded.info, "last_seen": upsert.excluded.last_seen},
            )
            conn.execute(upsert)
            conn.execute(delete(WORKERS).where(WORKERS.c.last_seen < now - FORGET_AFTER))

    def live_workers(self, within_seconds: float) -> list[WorkerRecord]:
        since = self._clock() - timedelta(seconds=within_seconds)
        query = select(WORKERS).where(WORKERS.c.last_seen >= since).order_by(WORKERS.c.worker_id)
        with self._read() as conn:
            return [WorkerRecord(r.worker_id, r.info, r.started_at, r.last_seen) for r in conn.execute(query)]

    def remove_worker(self, worker_id: str) -> None:
        with self._write() as conn:
            conn.execute(delete(WORKERS).where(WORKERS.c.worker_id == worker_id))
