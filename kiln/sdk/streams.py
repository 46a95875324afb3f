"""Small helpers of streamed responses shared by both clients: artifact ids, event-stream checks, timeouts."""

from __future__ import annotations

import time

import httpx

from kiln.sdk.errors import StreamUnavailable
from kiln.sdk.files import result_filename
from kiln.sdk.models import Artifact, Result

ArtifactRef = str | Result | Artifact  # what `download` takes: an artifact id, a job's result or an artifact

__all__ = ["ArtifactRef", "artifact_id", "bounded", "download_name", "require_event_stream", "stream_read_timeout"]

_MIN_READ = 0.05


def artifact_id(artifact: ArtifactRef) -> str:
    if isinstance(artifact, Result):
        return artifact.artifact_id
    return artifact.id if isinstance(artifact, Artifact) else artifact


def download_name(artifact: ArtifactRef) -> str | None:
    """The file name for a download into a folder: a result's own; None to name it after the response."""
    return result_filename(artifact) if isinstance(artifact, Result) else None


def require_event_stream(response: httpx.Response) -> None:
    """Raise `StreamUnavailable` unless the response is `text/event-stream`."""
    content_type = response.headers.get("content-type", "")
    if not content_type.split(";", 1)[0].strip().lower() == "text/event-stream":
        raise StreamUnavailable(f"{response.request.url} answered {content_type or 'no content type'}, not events")


def stream_read_timeout(timeout: httpx.Timeout, deadline: float | None) -> float | None:
    """The read timeout of an event stream: the client's, cut short by a deadline (`time.monotonic()` based)."""
    if deadline is None:
        return timeout.read
    left = max(deadline - time.monotonic(), _MIN_READ)
    return left if timeout.read is None else min(timeout.read, left)


def bounded(delay: float, deadline: float | None) -> float:
    """`delay`, cut short so as not to sleep past a deadline (`time.monotonic()` based)."""
    return delay if deadline is None else max(min(delay, deadline - time.monotonic()), 0.0)
