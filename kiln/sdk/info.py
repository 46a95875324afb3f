"""What the server tells about itself: token counts, models, styles, a key's usage, what a job would take, and
how the service stands (workers, queue, version)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "EncoderTokens",
    "Estimate",
    "ModelInfo",
    "QueueDepth",
    "ServiceStatus",
    "StyleInfo",
    "TokenReport",
    "Usage",
    "WorkerStatus",
]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class EncoderTokens(_Model):
    """One text encoder's view of a prompt: `tokens` read (special tokens included) of its `limit`."""

    encoder: str
    kind: str
    tokens: int
    limit: int
    truncated: bool = False
    overflow_words: tuple[str, ...] = Field(default=(), description="Words past the limit, never seen")


class TokenReport(_Model):
    model: str
    family: str
    encoders: tuple[EncoderTokens, ...] = ()


class ModelInfo(_Model):
    id: str
    family: str
    source: str = ""
    description: str = ""
    default: bool = False
    default_steps: int | None = None
    default_guidance: float | None = None
    default_size: tuple[int, int] | None = None
    size_multiple: int | None = None
    supports_negative: bool = True


class StyleInfo(_Model):
    name: str
    prompt: str = ""
    negative: str = ""


class Usage(_Model):
    """Images charged to this key in the rolling 24 hours before now, against its quota of images per rolling 24
    hours (None: unlimited)."""

    owner: str | None = None
    key_name: str | None = None
    images_last_24h: int = 0
    quota: int | None = None
    remaining: int | None = None
    window_hours: int = 24
    rule: str = "images per rolling 24 hours"
    remote_cost_usd_last_24h: float = 0.0  # what this key's items on remote backends cost in the window, in USD


class Estimate(_Model):
    """What a job would take (`Client.estimate`): its `items`, the pipeline calls (`batches`) they group into, and
    `seconds` from the workers' recent rate per signature (None: unknown until a worker has run each of them);
    `basis` says where the numbers come from. `queue_ahead_items`: every key's work queued or running now."""

    items: int
    batches: int
    seconds: float | None = None
    seconds_per_image: float | None = None
    basis: str = ""
    queue_ahead_items: int = 0


class WorkerStatus(_Model):
    """A live worker as it last reported itself."""

    worker_id: str
    host: str | None = None
    device: str | None = None
    state: str | None = None
    models: tuple[str, ...] = ()
    images: int = 0
    seen_at: datetime | None = None


class QueueDepth(_Model):
    """Counts over every key's jobs."""

    queued_items: int = 0
    running_items: int = 0
    queued_jobs: int = 0
    running_jobs: int = 0


class ServiceStatus(_Model):
    """`Client.status()`: the server's version, whether keys are needed, its live workers, the queue and this key's
    usage."""

    version: str
    auth: str
    workers: tuple[WorkerStatus, ...] = ()
    queue: QueueDepth = QueueDepth()
    usage: Usage = Usage()
