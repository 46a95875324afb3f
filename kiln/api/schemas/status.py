"""Schemas of `POST /v1/estimate` (what a job would take) and `GET /v1/status` (how the service stands)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from kiln.api.schemas.info import Usage

__all__ = ["Estimate", "QueueDepth", "ServiceStatus", "WorkerStatus"]


class SignatureEstimate(BaseModel):
    """One signature of an estimated job: what its items share, and what they would take."""

    label: str = Field(description="Model, kind, size, steps, guidance (and denoise) in words")
    key: str = Field(description="The signature's key, as rates are recorded under it")
    items: int
    generated: int = Field(description="Images generated for them (identical items count once)")
    batches: int
    seconds_per_image: float | None = Field(description="The workers' recent rate; null until one ran it")
    seconds: float | None


class Estimate(BaseModel):
    """What an images job would take, planned as `POST /v1/jobs` would plan it; nothing is stored or charged."""

    items: int = Field(description="Images the job would make")
    batches: int = Field(
        description="Pipeline calls: the items grouped by signature (model, size, steps, guidance, sampler...), "
        "each group cut into micro-batches"
    )
    seconds: float | None = Field(
        description="The workers' recent seconds per image of each signature times its items, summed (one worker's "
        "time, not counting the queue ahead); null: unknown, until a worker has run every signature"
    )
    seconds_per_image: float | None = Field(description="`seconds` over `items`; null when `seconds` is")
    basis: str = Field(description="Where the numbers come from, or why they are unknown, in words")
    queue_ahead_items: int = Field(description="Items of every key queued or running now")
    generated: int = Field(
        default=0, description="Images the workers would generate: identical items (same recipe and seed) count once"
    )
    cost: float | None = Field(
        default=None, description="`seconds` of one GPU at KILN_COST_PER_GPU_HOUR; null when either is unknown"
    )
    signatures: list[SignatureEstimate] = Field(default_factory=list, description="The job's signatures")


class WorkerStatus(BaseModel):
    """A live worker, as it last reported itself (a field it did not report is null, or empty)."""

    worker_id: str
    host: str | None
    device: str | None = Field(description="`cpu`, `cuda:0`, `mps`...")
    state: str | None = Field(description="`idle` or `busy` (loading a model counts as busy)")
    models: list[str] = Field(description="The models it holds loaded, least recently used first")
    pool: list[str] | None = Field(
        default=None, description="The models it serves (`kiln worker --models`); null: every model"
    )
    images: int = Field(description="Images it has made since it started")
    seen_at: datetime = Field(description="Its last beat")


class QueueDepth(BaseModel):
    """Counts over every key's jobs (never their contents)."""

    queued_items: int
    running_items: int
    queued_jobs: int
    running_jobs: int


class ServiceStatus(BaseModel):
    version: str
    auth: Literal["on", "off"]
    workers: list[WorkerStatus] = Field(
        description="Workers that beat within three heartbeats (KILN_HEARTBEAT_SECONDS), as `/readyz` counts them"
    )
    queue: QueueDepth
    usage: Usage = Field(description="The caller's usage against its quota, as `GET /v1/usage`")
