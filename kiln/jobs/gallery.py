"""The gallery: every artifact of an owner across jobs, searchable, with stars and boards (named collections).

Rules both stores keep (`tests/store/test_contract_gallery.py` checks them):
- An artifact's searchable fields are taken from its item when it is recorded (`gallery_fields`): the prompt the
  user wrote (folded for search), model, style (its lookup key: any case), seed, and its media (`video` for a
  motion task's output or a `video/*` file, else `image`). Its owner is its job's.
- `owner=None` (authentication off) sees every owner's artifacts and boards; an owner sees only its own, and
  another owner's artifact or board reads as missing.
- `list_gallery` answers newest first (by id), after the `before` cursor (an artifact id), every filter of the
  query together; `q` is a case-insensitive substring of the prompt (Unicode case folding on every store).
- Stars are a flag on the artifact. A board holds each artifact at most once; its cover is its newest artifact.
  Board names are unique per owner (`BoardNameTaken`). Deleting a board keeps its artifacts; deleting an
  artifact (alone, or with its job) takes it out of every board.
- `change_board` checks every id (added or removed) first: one that is not the owner's raises `UnknownArtifact`
  naming it, and nothing changes.
- `delete_artifacts` removes the artifacts' records (and their stars and board entries) and answers the deleted
  ones, so the caller removes their files. The job keeps its counts: the item stays done.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from kiln.errors import KilnError
from kiln.jobs.records import ArtifactRecord
from kiln.presets.styles import style_key
from kiln.task_item import TaskItem, WorkItem
from kiln.types import ImageItem

__all__ = [
    "ANONYMOUS_BOARDS",
    "BoardNameTaken",
    "BoardRecord",
    "GalleryEntry",
    "GalleryQuery",
    "GalleryStore",
    "Media",
    "UnknownArtifact",
    "fold",
    "gallery_fields",
]

Media = Literal["image", "video"]
ANONYMOUS_BOARDS = ""  # the owner of boards made with authentication off (a unique name needs a non-NULL owner)


class BoardNameTaken(KilnError):
    """The owner already has a board of that name."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"a board named {name!r} already exists; choose another name")


class UnknownArtifact(KilnError):
    """An artifact id that names none of the owner's artifacts."""

    def __init__(self, artifact_id: str) -> None:
        self.artifact_id = artifact_id
        super().__init__(f"no artifact {artifact_id!r}")


def fold(text: str) -> str:
    """Text as the prompt search compares it: Unicode case folding (SQL's LOWER folds ASCII only)."""
    return text.casefold()


def gallery_fields(item: WorkItem | None, metadata: Mapping[str, Any], content_type: str) -> dict[str, Any]:
    """The searchable columns of a new artifact: `prompt` (folded), `model`, `style`, `seed`, `media`."""
    prompt, model, style, seed = "", "", None, None
    if isinstance(item, ImageItem):
        prompt, model, style, seed = item.user_prompt, item.model, item.style, item.seed
    elif isinstance(item, TaskItem):
        request = item.request
        found = request.get("prompt")
        prompt = found if isinstance(found, str) else ""
        model = item.model
        seed = request.get("seed") if isinstance(request.get("seed"), int) else None
    video = (
        content_type.startswith("video/")
        or (isinstance(item, TaskItem) and item.kind != "upscale")
        or metadata.get("kind") in _MOTION
    )
    return {
        "prompt": fold(prompt),
        "model": model,
        "style": style_key(style) if style else None,
        "seed": seed,
        "media": "video" if video else "image",
    }


_MOTION = ("video", "animation", "assembly", "storyboard", "lipsync", "avatar")


@dataclass(frozen=True, slots=True)
class GalleryQuery:
    """One page of an owner's gallery: newest first, every filter given applies."""

    owner: str | None = None
    limit: int = 50
    before: str | None = None  # an artifact id: artifacts recorded before it
    job_id: str | None = None
    model: str | None = None
    style: str | None = None
    q: str | None = None  # a substring of the prompt, any case
    seed: int | None = None
    width: int | None = None
    height: int | None = None
    since: datetime | None = None  # created at or after
    until: datetime | None = None  # created before
    starred: bool | None = None
    board_id: str | None = None
    media: Media | None = None


@dataclass(frozen=True, slots=True)
class GalleryEntry:
    """An artifact with what its gallery card shows: its planned item (None once gone), star and boards."""

    artifact: ArtifactRecord
    item: WorkItem | None
    starred: bool
    boards: tuple[str, ...]  # board ids, sorted


@dataclass(frozen=True, slots=True)
class BoardRecord:
    id: str
    owner: str
    name: str
    count: int
    cover_artifact_id: str | None  # its newest artifact
    created_at: datetime


class GalleryStore(Protocol):
    def list_gallery(self, query: GalleryQuery) -> list[GalleryEntry]: ...
    def gallery_entries(self, ids: Sequence[str], *, owner: str | None) -> list[GalleryEntry]: ...  # found, in order
    def set_star(self, artifact_id: str, *, owner: str | None, starred: bool) -> bool: ...  # False: not found
    def delete_artifacts(self, ids: Collection[str], *, owner: str | None) -> list[ArtifactRecord]: ...
    def list_boards(self, *, owner: str | None) -> list[BoardRecord]: ...
    def get_board(self, board_id: str, *, owner: str | None) -> BoardRecord | None: ...
    def create_board(self, name: str, *, owner: str | None) -> BoardRecord: ...
    def rename_board(self, board_id: str, name: str, *, owner: str | None) -> BoardRecord | None: ...
    def delete_board(self, board_id: str, *, owner: str | None) -> bool: ...
    def change_board(
        self, board_id: str, *, owner: str | None, add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> BoardRecord | None: ...
