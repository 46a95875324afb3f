"""What the server answers, as frozen pydantic models. Unknown fields are ignored, so newer servers still parse."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "FINAL_STATES",
    "Artifact",
    "Counts",
    "GalleryArtifact",
    "Item",
    "ItemError",
    "ItemPage",
    "JobState",
    "JobStatus",
    "Page",
    "Result",
]

JobState = Literal["queued", "running", "completed", "failed", "canceled"]
FINAL_STATES: frozenset[str] = frozenset({"completed", "failed", "canceled"})

T = TypeVar("T")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Counts(_Model):
    """Items of a job per state."""

    pending: int = 0
    running: int = 0
    done: int = 0
    failed: int = 0
    canceled: int = 0


class ItemError(_Model):
    """Why one item failed."""

    index: int
    error: str | None = None


class Result(_Model):
    """One finished image of a job: the artifact to download and how it was made."""

    index: int
    artifact_id: str
    url: str | None = None
    content_type: str = "application/octet-stream"
    width: int | None = None
    height: int | None = None
    seed: int | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class Artifact(_Model):
    """One file of a job, as `GET /v1/jobs/{id}/artifacts` lists it."""

    id: str
    index: int
    item_id: int | None = None
    url: str | None = None
    content_type: str = "application/octet-stream"
    size_bytes: int | None = None
    width: int | None = None
    height: int | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime | None = None


class GalleryArtifact(Artifact):
    """One artifact as `GET /v1/artifacts` (the gallery) lists it: a file with its recipe, star and boards."""

    job_id: str
    prompt: str | None = None
    negative_prompt: str | None = None
    model: str | None = None
    style: str | None = None
    seed: int | None = None
    steps: int | None = None
    guidance: float | None = None
    sampler: str | None = None
    infotext: str | None = None
    starred: bool = False
    boards: list[str] = Field(default_factory=list)
    thumbnail_url: str | None = None


class Item(_Model):
    """One item of a job: its state, attempts and error, and `item`, the image as planned (prompt with its
    style applied, model, size, steps, seed...)."""

    id: int
    index: int
    state: str
    attempts: int = 0
    error: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    item: dict[str, Any] = Field(default_factory=dict)


class ItemPage(_Model):
    """A page of a job's items; `next_offset` is the `offset` of the next page (None: no more)."""

    data: tuple[Item, ...] = ()
    offset: int = 0
    limit: int = 0
    next_offset: int | None = None


class JobStatus(_Model):
    """A snapshot of a job. `results` is filled only when asked for (`Job.results()`)."""

    id: str
    kind: str = "images"
    state: JobState
    priority: int = 0
    total: int = 0
    counts: Counts = Field(default_factory=Counts)
    progress: float = 0.0
    eta_seconds: float | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    elapsed_seconds: float | None = None
    error: str | None = None  # why the job as a whole failed, when it did
    errors: tuple[ItemError, ...] = ()  # the first failed items (the server shows up to 50)
    links: dict[str, str] = Field(default_factory=dict)
    results: tuple[Result, ...] | None = None

    @property
    def is_final(self) -> bool:
        """Completed, failed or canceled: nothing more will happen unless the job is retried."""
        return self.state in FINAL_STATES


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a listing; pass `next` as `before` to get the following page (None: no more)."""

    data: Sequence[T]
    next: str | None = None

    def __iter__(self) -> Iterator[T]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)
