"""Records of the job store: jobs, items, work units, artifacts and events, as frozen values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from kiln.task_item import WorkItem
from kiln.types import ImageItem

__all__ = [
    "FINAL_ITEM_STATES",
    "FINAL_JOB_STATES",
    "ArtifactRecord",
    "EventRecord",
    "ItemRecord",
    "ItemState",
    "JobRecord",
    "JobState",
    "NewArtifact",
    "NewJob",
    "StoreStats",
    "WorkUnit",
]

JobState = Literal["queued", "running", "completed", "failed", "canceled"]
ItemState = Literal["pending", "running", "done", "failed", "canceled"]
FINAL_JOB_STATES: frozenset[str] = frozenset({"completed", "failed", "canceled"})
FINAL_ITEM_STATES: frozenset[str] = frozenset({"done", "failed", "canceled"})


@dataclass(frozen=True, slots=True)
class NewJob:
    """What the API hands the store: options of the job; its items come planned alongside."""

    kind: str = "images"
    priority: int = 0
    owner: str | None = None  # API key id; None when auth is off
    prefix: str | None = None  # output subfolder (validated relative path)
    save: bool = True  # keep files in storage (False: inline results, deleted after delivery)
    micro_batch: int | None = None
    webhook_url: str | None = None
    max_attempts: int = 3
    request: Mapping[str, Any] = field(default_factory=dict)  # the request body as received, for the record
    grid: Mapping[str, Any] | None = None  # a grid job's axes (`kiln.jobs.grid.GridSpec` as JSON): a grid image owed
    idempotency_key: str | None = None  # a key the owner used before returns that job instead (`create_job`)


@dataclass(frozen=True, slots=True)
class JobRecord:
    """A job as the store knows it, with item counts per state."""

    id: str
    kind: str
    state: JobState
    priority: int
    owner: str | None
    prefix: str | None
    save: bool
    micro_batch: int | None
    webhook_url: str | None
    max_attempts: int
    request: Mapping[str, Any]
    total: int
    counts: Mapping[str, int]  # item state -> count, every ItemState present
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None = None
    running_progress: float = 0.0  # the latest fraction done of each running item, summed
    grid: Mapping[str, Any] | None = None  # a grid job's axes
    grid_artifact_id: str | None = None  # its grid image, once made (None again while a retried job runs)

    @property
    def work_done(self) -> float:
        """Items worth of finished work: done and failed items, and the fractions of running ones. Canceled items
        are not work done: they show in `counts`."""
        return self.counts.get("done", 0) + self.counts.get("failed", 0) + self.running_progress

    @property
    def progress(self) -> float:
        """Work done over total, 0..1: a canceled job stops where its work stopped."""
        return min(self.work_done / self.total, 1.0) if self.total else 1.0


@dataclass(frozen=True, slots=True)
class ItemRecord:
    """One item of a job: its planned spec, state and attempts."""

    id: int
    job_id: str
    index: int
    state: ItemState
    item: WorkItem
    attempts: int
    error: str | None
    started_at: datetime | None
    finished_at: datetime | None
    remote_id: str | None = None  # the remote work a provider worker started for it (`JobStore.set_remote`)

    @property
    def image(self) -> ImageItem:
        """The item of an image job (whose items are all image items); `TypeError` for a task item."""
        if not isinstance(self.item, ImageItem):
            raise TypeError(f"item {self.id} is a {self.item.kind} task, not an image")
        return self.item


@dataclass(frozen=True, slots=True)
class WorkUnit:
    """Items of one signature claimed by one worker under a lease that the worker must renew."""

    id: str
    worker_id: str
    items: tuple[ItemRecord, ...]
    lease_expires_at: datetime


@dataclass(frozen=True, slots=True)
class NewArtifact:
    """A file already written to storage, to be recorded with its item in one transaction."""

    storage_key: str
    content_type: str
    size_bytes: int
    width: int
    height: int
    metadata: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ArtifactRecord:
    """A recorded file: an item's, or (with `item_id` None and `index` the job's total) the job's grid image."""

    id: str
    job_id: str
    item_id: int | None
    index: int
    storage_key: str
    content_type: str
    size_bytes: int
    width: int
    height: int
    metadata: Mapping[str, Any]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class EventRecord:
    """A persisted event; `id` grows across the whole store, so it serves as SSE's Last-Event-ID."""

    id: int
    job_id: str
    type: str  # job.state, item.state, item.progress, ...
    data: Mapping[str, Any]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StoreStats:
    """Aggregates of the whole store for metrics, read in one call."""

    jobs: Mapping[str, int]  # job state -> count, every JobState present
    items: Mapping[str, int]  # item state -> count, every ItemState present
    images: int  # artifacts recorded
    item_seconds: tuple[float, ...]  # finished_at - started_at of recently done items, most recent first
    storage_errors: int = 0  # files that could not be stored, since the store was made (`JobStore.storage_failed`)

    @property
    def pending(self) -> int:
        return self.items.get("pending", 0)
