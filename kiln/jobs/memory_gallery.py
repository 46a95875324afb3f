"""The gallery in memory (`kiln.jobs.gallery`), for `kiln.jobs.memory.MemoryStore`: each artifact's searchable
fields beside the store's artifact records, and boards in a dict. Pages are found by scanning: tests only."""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kiln.jobs.gallery import (
    ANONYMOUS_BOARDS,
    BoardNameTaken,
    BoardRecord,
    GalleryEntry,
    GalleryQuery,
    UnknownArtifact,
    fold,
    gallery_fields,
)
from kiln.jobs.ids import Clock, cursor_id, new_id, stored_id
from kiln.jobs.records import ArtifactRecord
from kiln.task_item import WorkItem

__all__ = ["MemoryGallery"]


@dataclass(slots=True)
class _Searchable:
    owner: str | None
    item: WorkItem | None
    fields: dict[str, Any]
    starred: bool = False


@dataclass(slots=True)
class _Board:
    id: str
    owner: str
    name: str
    created_at: datetime
    artifact_ids: set[str] = field(default_factory=set)


class MemoryGallery:
    """`GalleryStore` over the store's `_artifacts`; `_lock` and `_clock` are the store's."""

    _lock: threading.RLock
    _clock: Clock
    _artifacts: dict[str, ArtifactRecord]

    def __init__(self) -> None:
        self._searchable: dict[str, _Searchable] = {}
        self._boards: dict[str, _Board] = {}

    # called by the store, with its lock held
    def _index_artifact(self, artifact: ArtifactRecord, owner: str | None, item: WorkItem) -> None:
        fields = gallery_fields(item, artifact.metadata, artifact.content_type)
        self._searchable[artifact.id] = _Searchable(owner, item, fields)

    def _forget_artifacts(self, artifact_ids: Iterable[str]) -> None:
        for artifact_id in artifact_ids:
            self._searchable.pop(artifact_id, None)
            self._artifacts.pop(artifact_id, None)
            for board in self._boards.values():
                board.artifact_ids.discard(artifact_id)

    # queries
    def list_gallery(self, query: GalleryQuery) -> list[GalleryEntry]:
        before = None if query.before is None else cursor_id(query.before)
        wanted: dict[str, Any] = {
            name: value
            for name, value in (("model", query.model), ("style", query.style), ("seed", query.seed))
            if value is not None
        }
        if query.media is not None:
            wanted["media"] = query.media
        with self._lock:
            board = self._boards.get(stored_id(query.board_id) or "") if query.board_id is not None else None
            found = []
            for artifact_id in sorted(self._artifacts, reverse=True):
                artifact, searchable = self._artifacts[artifact_id], self._searchable[artifact_id]
                if not self._visible(searchable, query.owner) or (before is not None and artifact_id >= before):
                    continue
                checks = (
                    all(searchable.fields[name] == value for name, value in wanted.items()),
                    query.job_id is None or artifact.job_id == stored_id(query.job_id),
                    query.width is None or artifact.width == query.width,
                    query.height is None or artifact.height == query.height,
                    query.starred is None or searchable.starred == query.starred,
                    not query.q or fold(query.q) in searchable.fields["prompt"],
                    query.since is None or artifact.created_at >= query.since,
                    query.until is None or artifact.created_at < query.until,
                    query.board_id is None or (board is not None and artifact_id in board.artifact_ids),
                )
                if all(checks):
                    found.append(self._entry(artifact_id))
                    if len(found) >= query.limit:
                        break
            return found

    def gallery_entries(self, ids: Sequence[str], *, owner: str | None) -> list[GalleryEntry]:
        with self._lock:
            found = [stored_id(value) or "" for value in ids]
            return [
                self._entry(i) for i in found if i in self._searchable and self._visible(self._searchable[i], owner)
            ]

    def set_star(self, artifact_id: str, *, owner: str | None, starred: bool) -> bool:
        with self._lock:
            searchable = self._searchable.get(stored_id(artifact_id) or "")
            if searchable is None or not self._visible(searchable, owner):
                return False
            searchable.starred = starred
            return True

    def delete_artifacts(self, ids: Collection[str], *, owner: str | None) -> list[ArtifactRecord]:
        with self._lock:
            found = sorted({i for value in ids if (i := stored_id(value) or "") in self._searchable})
            doomed = [i for i in found if self._visible(self._searchable[i], owner)]
            deleted = [self._artifacts[i] for i in doomed]
            self._forget_artifacts(doomed)
            return deleted

    # boards
    def list_boards(self, *, owner: str | None) -> list[BoardRecord]:
        with self._lock:
            boards = [self._board_record(b) for b in self._boards.values() if owner is None or b.owner == owner]
            return sorted(boards, key=lambda b: (b.name, b.id))

    def get_board(self, board_id: str, *, owner: str | None) -> BoardRecord | None:
        with self._lock:
            board = self._owned_board(board_id, owner)
            return None if board is None else self._board_record(board)

    def create_board(self, name: str, *, owner: str | None) -> BoardRecord:
        with self._lock:
            now = self._clock()
            board = _Board(new_id(now), owner or ANONYMOUS_BOARDS, name, now)
            self._check_free(board.owner, name)
            self._boards[board.id] = board
            return self._board_record(board)

    def rename_board(self, board_id: str, name: str, *, owner: str | None) -> BoardRecord | None:
        with self._lock:
            board = self._owned_board(board_id, owner)
            if board is None:
                return None
            if board.name != name:
                self._check_free(board.owner, name)
                board.name = name
            return self._board_record(board)

    def delete_board(self, board_id: str, *, owner: str | None) -> bool:
        with self._lock:
            board = self._owned_board(board_id, owner)
            if board is not None:
                del self._boards[board.id]
            return board is not None

    def change_board(
        self, board_id: str, *, owner: str | None, add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> BoardRecord | None:
        with self._lock:
            board = self._owned_board(board_id, owner)
            if board is None:
                return None
            for value in (*add, *remove):
                searchable = self._searchable.get(stored_id(value) or "")
                if searchable is None or not self._visible(searchable, owner):
                    raise UnknownArtifact(value)
            removing = {stored_id(value) or "" for value in remove}
            board.artifact_ids -= removing
            board.artifact_ids |= {stored_id(value) or "" for value in add} - removing
            return self._board_record(board)

    # internals, with the lock held
    @staticmethod
    def _visible(searchable: _Searchable, owner: str | None) -> bool:
        return owner is None or searchable.owner == owner

    def _entry(self, artifact_id: str) -> GalleryEntry:
        searchable = self._searchable[artifact_id]
        boards = tuple(sorted(b.id for b in self._boards.values() if artifact_id in b.artifact_ids))
        return GalleryEntry(self._artifacts[artifact_id], searchable.item, searchable.starred, boards)

    def _owned_board(self, board_id: str, owner: str | None) -> _Board | None:
        board = self._boards.get(stored_id(board_id) or "")
        return board if board is not None and (owner is None or board.owner == owner) else None

    def _board_record(self, board: _Board) -> BoardRecord:
        cover = max(board.artifact_ids, default=None)
        return BoardRecord(board.id, board.owner, board.name, len(board.artifact_ids), cover, board.created_at)

    def _check_free(self, owner: str, name: str) -> None:
        if any(b.owner == owner and b.name == name for b in self._boards.values()):
            raise BoardNameTaken(name)
