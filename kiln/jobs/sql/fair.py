"""The SQL side of fair share (`kiln.jobs.fair_share`): which owners wait at a priority, and when each was last
served. Both are index seeks (`ix_items_owner_claim`, `ix_jobs_owner_last_unit`), one per owner, so a claim's
cost grows with the number of owners waiting, not with the number of items queued."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, select

from kiln.jobs.sql.tables import ITEMS, JOBS

__all__ = ["MAX_OWNERS_SEEN", "last_served", "owned_by", "owners_waiting"]

MAX_OWNERS_SEEN = 256  # owners a claim weighs at once (by name): bounds a claim's work when very many keys wait


def owned_by(column: ColumnElement[Any], owner: str | None) -> ColumnElement[bool]:
    return column.is_(None) if owner is None else column == owner


def owners_waiting(conn: Connection, priority: int) -> list[str | None]:
    """The owners with pending items at `priority` (claimable or not: a claim skips owners it finds nothing of);
    a loose index scan, one seek per owner."""
    at = select(ITEMS.c.owner).where(ITEMS.c.state == "pending", ITEMS.c.priority == priority)
    owners: list[str | None] = []
    if conn.execute(at.where(ITEMS.c.owner.is_(None)).limit(1)).first() is not None:
        owners.append(None)
    after: str | None = None
    while len(owners) < MAX_OWNERS_SEEN:
        query = at.where(ITEMS.c.owner.is_not(None) if after is None else ITEMS.c.owner > after)
        after = conn.execute(query.order_by(ITEMS.c.owner).limit(1)).scalar_one_or_none()
        if after is None:
            break
        owners.append(after)
    return owners


def last_served(conn: Connection, owners: Collection[str | None]) -> dict[str | None, str | None]:
    """Each owner's latest claimed unit (the greatest `jobs.last_unit` of its jobs), None when never served."""
    latest = select(func.max(JOBS.c.last_unit))
    return {owner: conn.execute(latest.where(owned_by(JOBS.c.owner, owner))).scalar_one_or_none() for owner in owners}
