"""The SQL side of fair share (`kiln.jobs.fair_share`): which owners wait at a priority, and when each was last
served. Both are index seeks (`ix_items_owner_claim`, `ix_jobs_owner_last_unit`), one per owner, so a claim's
cost grows with the number of owners waiting, not with the number of items queued."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, Connection, bindparam, func, select

from kiln.jobs.sql.tables import ITEMS, JOBS

__all__ = ["MAX_OWNERS_SEEN", "last_served", "owned_by", "owners_waiting"]

MAX_OWNERS_SEEN = 256  # owners a claim weighs at once (by name): bounds a claim's work when very many keys wait


def owned_by(column: ColumnElement[Any], owner: str | None) -> ColumnElement[bool]:
    return column.is_(None) if owner is None else column == owner


# built once, values bound at execution: a claim runs them once per owner waiting
_AT = select(ITEMS.c.owner).where(ITEMS.c.state == "pending", ITEMS.c.priority == bindparam("b_priority"))
_ANONYMOUS = _AT.where(ITEMS.c.owner.is_(None)).limit(1)
_FIRST_OWNER = _AT.where(ITEMS.c.owner.is_not(None)).order_by(ITEMS.c.owner).limit(1)
_NEXT_OWNER = _AT.where(ITEMS.c.owner > bindparam("b_after", type_=ITEMS.c.owner.type)).order_by(ITEMS.c.owner).limit(1)
_LATEST = select(func.max(JOBS.c.last_unit))
_SERVED = _LATEST.where(JOBS.c.owner == bindparam("b_owner", type_=JOBS.c.owner.type))
_SERVED_ANONYMOUS = _LATEST.where(JOBS.c.owner.is_(None))


def owners_waiting(conn: Connection, priority: int) -> list[str | None]:
    """The owners with pending items at `priority` (claimable or not: a claim skips owners it finds nothing of);
    a loose index scan, one seek per owner."""
    owners: list[str | None] = []
    if conn.execute(_ANONYMOUS, {"b_priority": priority}).first() is not None:
        owners.append(None)
    after = conn.execute(_FIRST_OWNER, {"b_priority": priority}).scalar_one_or_none()
    while after is not None and len(owners) < MAX_OWNERS_SEEN:
        owners.append(after)
        after = conn.execute(_NEXT_OWNER, {"b_priority": priority, "b_after": after}).scalar_one_or_none()
    return owners


def last_served(conn: Connection, owners: Collection[str | None]) -> dict[str | None, str | None]:
    """Each owner's latest claimed unit (the greatest `jobs.last_unit` of its jobs), None when never served."""
    return {
        owner: conn.execute(_SERVED_ANONYMOUS if owner is None else _SERVED, {"b_owner": owner}).scalar_one_or_none()
        for owner in owners
    }
