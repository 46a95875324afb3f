"""The gallery on SQL (`kiln.jobs.gallery`): pages of an owner's artifacts over the indexed columns that
`complete_item` fills, stars, and boards.

A page is one query over `artifacts` (newest first by id, on an index per owner and filter), its items' specs by
primary key, and its board entries. Changing a board locks the board's row first (PostgreSQL: one change of a board
at a time) and the artifacts it names with `FOR KEY SHARE`, so an artifact deleted meanwhile is either still there
when its entry is written or reported missing; on SQLite every write holds the database's lock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Connection, Row, Select, and_, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from kiln.jobs.gallery import (
    ANONYMOUS_BOARDS,
    BoardNameTaken,
    BoardRecord,
    GalleryEntry,
    GalleryQuery,
    UnknownArtifact,
    fold,
)
from kiln.jobs.ids import cursor_id, new_id, stored_id
from kiln.jobs.records import ArtifactRecord
from kiln.jobs.sql.base import SqlBase
from kiln.jobs.sql.common import artifact_record
from kiln.jobs.sql.tables import ARTIFACTS, BOARD_ARTIFACTS, BOARDS, ITEMS
from kiln.task_item import item_from_dict

__all__ = ["SqlGallery"]

_A, _B, _E = ARTIFACTS.c, BOARDS.c, BOARD_ARTIFACTS.c


def _owned(query: Select[Any], owner: str | None) -> Select[Any]:
    return query if owner is None else query.where(_A.owner == owner)


def _ids(values: Collection[str]) -> list[str]:
    """Ids as stored, without the strings that cannot be ids (they name nothing)."""
    return sorted({found for value in values if (found := stored_id(value)) is not None})


class SqlGallery(SqlBase):
    """`GalleryStore` on SQL."""

    def list_gallery(self, query: GalleryQuery) -> list[GalleryEntry]:
        select_ = _owned(select(ARTIFACTS), query.owner).order_by(_A.id.desc()).limit(query.limit)
        if query.before is not None:
            select_ = select_.where(_A.id < cursor_id(query.before))
        if query.job_id is not None:
            select_ = select_.where(_A.job_id == (stored_id(query.job_id) or ""))
        for column, value in (
            (_A.model, query.model), (_A.style, query.style), (_A.seed, query.seed), (_A.width, query.width),
            (_A.height, query.height), (_A.starred, query.starred), (_A.media, query.media),
        ):  # fmt: skip
            if value is not None:
                select_ = select_.where(column == value)
        if query.q:
            select_ = select_.where(_A.prompt.contains(fold(query.q), autoescape=True))
        if query.since is not None:
            select_ = select_.where(_A.created_at >= query.since)
        if query.until is not None:
            select_ = select_.where(_A.created_at < query.until)
        if query.board_id is not None:
            board = select(_E.artifact_id).where(_E.board_id == (stored_id(query.board_id) or ""))
            select_ = select_.where(_A.id.in_(board))
        with self._read() as conn:
            return _entries(conn, conn.execute(select_).all())

    def gallery_entries(self, ids: Sequence[str], *, owner: str | None) -> list[GalleryEntry]:
        wanted = _ids(ids)
        if not wanted:
            return []
        with self._read() as conn:
            rows = {row.id: row for row in conn.execute(_owned(select(ARTIFACTS), owner).where(_A.id.in_(wanted)))}
            entries = {entry.artifact.id: entry for entry in _entries(conn, list(rows.values()))}
        return [entries[found] for value in ids if (found := stored_id(value)) in entries]

    def set_star(self, artifact_id: str, *, owner: str | None, starred: bool) -> bool:
        if (found := stored_id(artifact_id)) is None:
            return False
        change = update(ARTIFACTS).where(_A.id == found).values(starred=starred)
        with self._write() as conn:
            return bool(conn.execute(change if owner is None else change.where(_A.owner == owner)).rowcount)

    def delete_artifacts(self, ids: Collection[str], *, owner: str | None) -> list[ArtifactRecord]:
        wanted = _ids(ids)
        if not wanted:
            return []
        with self._write() as conn:
            found = _owned(select(_A.id), owner).where(_A.id.in_(wanted))
            doomed = list(conn.execute(found.with_for_update()).scalars())
            if not doomed:
                return []
            conn.execute(delete(BOARD_ARTIFACTS).where(_E.artifact_id.in_(doomed)))
            rows = conn.execute(delete(ARTIFACTS).where(_A.id.in_(doomed)).returning(*ARTIFACTS.c)).all()
        return sorted((artifact_record(row) for row in rows), key=lambda a: a.id)

    # boards
    def list_boards(self, *, owner: str | None) -> list[BoardRecord]:
        query = _boards()
        if owner is not None:
            query = query.where(_B.owner == owner)
        with self._read() as conn:
            return [_board(row) for row in conn.execute(query.order_by(_B.name, _B.id))]

    def get_board(self, board_id: str, *, owner: str | None) -> BoardRecord | None:
        if (found := stored_id(board_id)) is None:
            return None
        with self._read() as conn:
            return _load_board(conn, found, owner)

    def create_board(self, name: str, *, owner: str | None) -> BoardRecord:
        now = self._clock()
        board_id = new_id(now)
        stored_owner = owner or ANONYMOUS_BOARDS
        values = {"id": board_id, "owner": stored_owner, "name": name, "created_at": now}
        try:
            with self._write() as conn:
                _check_free(conn, stored_owner, name)
                conn.execute(insert(BOARDS).values(values))
        except IntegrityError as exc:  # PostgreSQL: a board of that name made meanwhile
            raise BoardNameTaken(name) from exc
        return BoardRecord(board_id, stored_owner, name, 0, None, now)

    def rename_board(self, board_id: str, name: str, *, owner: str | None) -> BoardRecord | None:
        if (found := stored_id(board_id)) is None:
            return None
        try:
            with self._write() as conn:
                board = _lock_board(conn, found, owner)
                if board is None:
                    return None
                if board.name != name:
                    _check_free(conn, board.owner, name)
                    conn.execute(update(BOARDS).where(_B.id == found).values(name=name))
                return _load_board(conn, found, None)
        except IntegrityError as exc:
            raise BoardNameTaken(name) from exc

    def delete_board(self, board_id: str, *, owner: str | None) -> bool:
        if (found := stored_id(board_id)) is None:
            return False
        with self._write() as conn:
            if _lock_board(conn, found, owner) is None:
                return False
            conn.execute(delete(BOARD_ARTIFACTS).where(_E.board_id == found))
            conn.execute(delete(BOARDS).where(_B.id == found))
            return True

    def change_board(
        self, board_id: str, *, owner: str | None, add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> BoardRecord | None:
        if (found := stored_id(board_id)) is None:
            return None
        with self._write() as conn:
            if _lock_board(conn, found, owner) is None:
                return None
            wanted = _ids([*add, *remove])
            query = _owned(select(_A.id), owner).where(_A.id.in_(wanted)).with_for_update(read=True, key_share=True)
            known = set(conn.execute(query).scalars()) if wanted else set()
            for value in (*add, *remove):
                if stored_id(value) not in known:
                    raise UnknownArtifact(value)
            removing = _ids(remove)
            adding = sorted(set(_ids(add)) - set(removing))  # both: the removal wins
            if removing:
                conn.execute(delete(BOARD_ARTIFACTS).where(_E.board_id == found, _E.artifact_id.in_(removing)))
            if adding:
                held = select(_E.artifact_id).where(_E.board_id == found, _E.artifact_id.in_(adding))
                new = sorted(set(adding) - set(conn.execute(held).scalars()))
                if new:
                    now = self._clock()
                    rows = [{"board_id": found, "artifact_id": a, "added_at": now} for a in new]
                    conn.execute(insert(BOARD_ARTIFACTS), rows)
            return _load_board(conn, found, None)


def _entries(conn: Connection, rows: Sequence[Row[Any]]) -> list[GalleryEntry]:
    """Artifact rows as gallery entries, with their items and boards (two more queries for the whole page)."""
    if not rows:
        return []
    item_ids = sorted({row.item_id for row in rows})
    specs = dict(conn.execute(select(ITEMS.c.id, ITEMS.c.spec).where(ITEMS.c.id.in_(item_ids))).tuples().all())
    boards: dict[str, list[str]] = defaultdict(list)
    entries = select(_E.artifact_id, _E.board_id).where(_E.artifact_id.in_([row.id for row in rows]))
    for artifact_id, board_id in conn.execute(entries.order_by(_E.board_id)):
        boards[artifact_id].append(board_id)
    return [
        GalleryEntry(
            artifact_record(row),
            item_from_dict(specs[row.item_id]) if row.item_id in specs else None,
            bool(row.starred),
            tuple(boards.get(row.id, ())),
        )
        for row in rows
    ]


def _boards() -> Select[Any]:
    """Boards with their count and newest artifact."""
    stats = (
        select(_E.board_id, func.count().label("entries"), func.max(_E.artifact_id).label("cover"))
        .group_by(_E.board_id)
        .subquery()
    )
    columns = (*BOARDS.c, func.coalesce(stats.c.entries, 0).label("entries"), stats.c.cover)
    return select(*columns).select_from(BOARDS.outerjoin(stats, stats.c.board_id == _B.id))


def _board(row: Row[Any]) -> BoardRecord:
    return BoardRecord(row.id, row.owner, row.name, int(row.entries), row.cover, row.created_at)


def _load_board(conn: Connection, board_id: str, owner: str | None) -> BoardRecord | None:
    query = _boards().where(_B.id == board_id)
    if owner is not None:
        query = query.where(_B.owner == owner)
    row = conn.execute(query).first()
    return None if row is None else _board(row)


def _lock_board(conn: Connection, board_id: str, owner: str | None) -> Row[Any] | None:
    """The board's row, locked for this transaction; None when it is not the owner's."""
    query = select(BOARDS).where(_B.id == board_id)
    if owner is not None:
        query = query.where(_B.owner == owner)
    return conn.execute(query.with_for_update()).first()


def _check_free(conn: Connection, owner: str, name: str) -> None:
    taken = select(_B.id).where(and_(_B.owner == owner, _B.name == name))
    if conn.execute(taken).first() is not None:
        raise BoardNameTaken(name)
