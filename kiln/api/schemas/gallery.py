"""Schemas of the gallery: every artifact of the caller across jobs, stars, boards, bulk deletes and ZIPs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from kiln.api.schemas.jobs import ArtifactView
from kiln.jobs.text import PlainText

__all__ = [
    "MAX_IDS",
    "ArtifactIds",
    "BoardChange",
    "BoardList",
    "BoardName",
    "BoardView",
    "Deleted",
    "GalleryArtifact",
    "GalleryPage",
]

MAX_IDS = 1000  # artifact ids in one request
ArtifactId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class GalleryArtifact(ArtifactView):
    """An artifact with its recipe, as the gallery and its lightbox show it. `prompt` and `negative_prompt` are what
    the user wrote (the style's words not applied: `style` names it); `infotext` is what the pipeline saw, in
    AUTOMATIC1111's format. Fields an artifact has no value for (a video's steps) are null."""

    job_id: str
    prompt: str | None
    negative_prompt: str | None
    model: str | None
    style: str | None
    seed: int | None
    steps: int | None
    guidance: float | None
    sampler: str | None
    infotext: str | None
    starred: bool
    boards: list[str] = Field(description="Ids of the caller's boards that hold it")
    thumbnail_url: str = Field(description="A WebP thumbnail; add `?size=` (64..1024, default 256)")


class GalleryPage(BaseModel):
    data: list[GalleryArtifact]
    next_before: str | None = Field(description="Pass as `before` for the next page; null on the last")


class ArtifactIds(PlainText):
    """Artifacts of the caller, by id."""

    model_config = ConfigDict(extra="forbid")

    ids: list[ArtifactId] = Field(min_length=1, max_length=MAX_IDS)


class Deleted(BaseModel):
    deleted: int = Field(description="Artifacts deleted (ids already gone or not the caller's are not counted)")


class BoardName(PlainText):
    model_config = ConfigDict(extra="forbid")

    name: Name = Field(description="1 to 100 characters, one line; unique among the caller's boards")


class BoardChange(PlainText):
    """Artifacts to add to a board and to take out of it (at most 1000 ids together; one in both is taken out)."""

    model_config = ConfigDict(extra="forbid")

    add: list[ArtifactId] = Field(default_factory=list, max_length=MAX_IDS)
    remove: list[ArtifactId] = Field(default_factory=list, max_length=MAX_IDS)


class BoardView(BaseModel):
    id: str
    name: str
    count: int
    cover_artifact_id: str | None = Field(description="Its newest artifact")
    created_at: datetime


class BoardList(BaseModel):
    data: list[BoardView]
