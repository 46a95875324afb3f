"""The usage ledger on SQL: a job's charge checked and recorded in the transaction that writes the job.

On PostgreSQL a transaction-scoped advisory lock on the owner serialises that owner's submits (any owner, with
or without a key row; released at commit), so each check reads every charge committed before it. On SQLite
the write transaction (`BEGIN IMMEDIATE`) already holds the database's write lock from its first statement.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, insert, select

from kiln.jobs.quota import QUOTA_WINDOW, Charge, refusal
from kiln.jobs.sql.base import SqlBase
from kiln.jobs.sql.tables import USAGE

__all__ = ["SqlUsage", "charge_usage"]

_LOCK_SPACE = 0x6B696C6E  # "kiln": the first key of kiln's advisory locks, the owner's hash the second


def charge_usage(conn: Connection, owner: str, job_id: str, charge: Charge, now: datetime) -> None:
    """Records `charge` for `owner`'s new job; first, with a quota, `QuotaExceeded` (or `OverQuota`) when it does
    not fit (the caller's transaction then rolls back, so a refused job is not written and a failed write charges
    nothing)."""
    if charge.quota is not None:
        if conn.dialect.name == "postgresql":
            conn.execute(select(func.pg_advisory_xact_lock(_LOCK_SPACE, func.hashtext(owner))))
        window = (
            select(USAGE.c.created_at, USAGE.c.images)
            .where(USAGE.c.owner == owner, USAGE.c.created_at >= now - QUOTA_WINDOW)
            .order_by(USAGE.c.created_at, USAGE.c.id)
        )
        error = refusal(conn.execute(window).tuples().all(), charge, now)
        if error is not None:
            raise error
    conn.execute(insert(USAGE).values(owner=owner, job_id=job_id, images=charge.images, created_at=now))


class SqlUsage(SqlBase):
    """`images_since`, read from the ledger."""

    def images_since(self, owner: str, since: datetime) -> int:
        query = select(func.coalesce(func.sum(USAGE.c.images), 0)).where(
            USAGE.c.owner == owner, USAGE.c.created_at >= since
        )
        with self._read() as conn:
            return int(conn.execute(query).scalar_one())
