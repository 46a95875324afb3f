"""The narrow protocol between kiln's provider worker and one remote backend (Replicate, OpenAI-compatible).

A backend turns a resolved `ImageItem` into remote work, reports that work's state as a `RemotePrediction`, cancels
it and downloads its outputs. Everything durable (storing the remote id before waiting, retries with backoff,
leases, metadata, cost accounting) is the worker's, so each backend stays one readable file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from kiln.errors import KilnError
from kiln.types import ImageItem

__all__ = ["RemoteBackend", "RemoteError", "RemotePrediction", "RemoteStatus"]


class RemoteStatus(StrEnum):
    """Where a remote prediction stands (Replicate's names; other backends map theirs onto these)."""

    STARTING = "starting"
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"

    @property
    def terminal(self) -> bool:
        return self in (RemoteStatus.SUCCEEDED, RemoteStatus.FAILED, RemoteStatus.CANCELED)


@dataclass(frozen=True)
class RemotePrediction:
    """One remote prediction as the backend last reported it."""

    remote_id: str
    status: RemoteStatus
    outputs: list[str] = field(default_factory=list)  # URLs (http/https) or data: URIs of the images, in order
    progress: float | None = None  # 0..1 when the backend says (Replicate: parsed from the logs' "NN%|" lines)
    logs: str = ""
    error: str | None = None
    cost_usd: float | None = None  # from the backend's metrics or its price table
    metrics: dict[str, Any] = field(default_factory=dict)


class RemoteError(KilnError):
    """A remote call that failed. `retryable`: 429 and 5xx (and lost connections), which the worker retries with
    backoff, waiting at least `retry_after` seconds when the remote said (Retry-After); otherwise the message says
    what to change and the item fails with it."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool = False,
        retry_after: float | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.retry_after = retry_after
        self.status_code = status_code


class RemoteBackend(Protocol):
    """One remote API. Implementations: `kiln.remote.openai_backend`, `kiln.remote.replicate`."""

    name: str  # "replicate", "openai"
    concurrency: int  # requests in flight at most

    async def start(self, model: str, item: ImageItem, *, request_id: str) -> RemotePrediction:
        """Create the remote work for `item` on `model` (the name after the namespace, e.g. 'owner/model:ver').

        `request_id` is kiln's item id plus attempt, stored on the item before this call; sent where the backend
        takes one (OpenAI-compatible: the Idempotency-Key header), so a resumed worker never pays twice."""
        ...

    async def get(self, remote_id: str) -> RemotePrediction:
        """The prediction's current state."""
        ...

    async def cancel(self, remote_id: str) -> None:
        """Stop the remote work (best effort; a finished prediction stays finished)."""
        ...

    async def download(self, url: str) -> bytes:
        """The bytes of one output (an http(s) URL or a data: URI)."""
        ...

    async def aclose(self) -> None:
        """Close the backend's HTTP client."""
        ...
