"""`SqlRemoteItems`: what `JobStore` keeps for remote backends (`kiln.remote`): an item's remote id and cost
(kept across lost leases, cleared by a retry), an owner's remote spending, and a job by its idempotency key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from kiln.jobs.records import JobRecord
from kiln.jobs.sql.base import SqlBase
from kiln.jobs.sql.common import load_job
from kiln.jobs.sql.fair import owned_by
from kiln.jobs.sql.tables import ITEMS, JOBS

__all__ = ["SqlRemoteItems"]


class SqlRemoteItems(SqlBase):
    """`job_for_key`, `set_remote` and `remote_cost_since` of `JobStore`."""

    def job_for_key(self, owner: str | None, idempotency_key: str) -> JobRecord | None:
        keyed = owned_by(JOBS.c.owner, owner), JOBS.c.idempotency_key == idempotency_key
        query = select(JOBS.c.id).where(*keyed)
        with self._read() as conn:
            job_id = conn.execute(query.limit(1)).scalar_one_or_none()
            return load_job(conn, job_id) if job_id is not None else None

    def set_remote(self, unit_id: str, item_id: int, remote_id: str, *, cost_usd: float | None = None) -> bool:
        values: dict[str, Any] = {"remote_id": remote_id}
        if cost_usd is not None:
            values["remote_cost_usd"] = cost_usd
        with self._write() as conn:
            held = ITEMS.c.id == item_id, ITEMS.c.unit_id == unit_id, ITEMS.c.state == "running"
            query = update(ITEMS).where(*held, ITEMS.c.lease_expires_at > self._clock()).values(values)
            return bool(conn.execute(query).rowcount)

    def remote_cost_since(self, owner: str, since: datetime) -> float:
        query = select(func.coalesce(func.sum(ITEMS.c.remote_cost_usd), 0.0)).where(
            ITEMS.c.owner == owner, ITEMS.c.remote_cost_usd.is_not(None), ITEMS.c.finished_at >= since
        )
        with self._read() as conn:
            return float(conn.execute(query).scalar_one())
