"""`SqlQueueStats`: what the queue holds, for `/readyz`, job views and metrics: pending items, the models a job
still waits for, and the counts and recent durations of `stats`."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from kiln.jobs.lifecycle import empty_counts, empty_job_counts
from kiln.jobs.records import StoreStats
from kiln.jobs.sql.base import SqlBase, by_id
from kiln.jobs.sql.tables import ARTIFACTS, COUNTERS, ITEMS, JOBS
from kiln.jobs.store import MAX_WAITING_MODELS

__all__ = ["SqlQueueStats"]


class SqlQueueStats(SqlBase):
    """`pending_count`, `waiting_models` and `stats` of `JobStore`."""

    def pending_count(self) -> int:
        with self._read() as conn:
            return int(conn.execute(select(func.count()).where(ITEMS.c.state == "pending")).scalar_one())

    @by_id([])
    def waiting_models(self, job_id: str, *, limit: int = MAX_WAITING_MODELS) -> list[str]:
        pending = select(ITEMS.c.model).where(
            ITEMS.c.job_id == job_id, ITEMS.c.state == "pending"
        )  # ix_items_job_state
        with self._read() as conn:
            return list(conn.execute(pending.distinct().order_by(ITEMS.c.model).limit(limit)).scalars())

    def stats(self, *, window_seconds: float = 3600.0, max_durations: int = 5000) -> StoreStats:
        since = self._clock() - timedelta(seconds=window_seconds)
        recent = (
            select(ITEMS.c.started_at, ITEMS.c.finished_at)
            .where(ITEMS.c.state == "done", ITEMS.c.finished_at >= since)
            .order_by(ITEMS.c.finished_at.desc())
            .limit(max_durations)
        )
        jobs, items = empty_job_counts(), empty_counts()
        with self._read() as conn:
            for table, counts in ((JOBS, jobs), (ITEMS, items)):
                for state, count in conn.execute(select(table.c.state, func.count()).group_by(table.c.state)):
                    counts[state] = count
            images = int(conn.execute(select(func.count()).select_from(ARTIFACTS)).scalar_one())
            durations = conn.execute(recent).tuples().all()
            storage_errors = conn.execute(select(COUNTERS.c.value).where(COUNTERS.c.name == "storage_errors"))
            errors = int(storage_errors.scalar_one_or_none() or 0)
        seconds = tuple(max((end - start).total_seconds(), 0.0) for start, end in durations if start and end)
        return StoreStats(jobs, items, images, seconds, storage_errors=errors)
