"""Job events as the SDK hands them out, and the state of following one job's event stream across reconnects.

`EventCursor` holds the decisions (what to resume from, when a dropped stream is retried and when the server has
said all there is); the clients only do the I/O around it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import httpx

from kiln.sdk.errors import KilnConnectionError
from kiln.sdk.models import FINAL_STATES
from kiln.sdk.retry import RetryPolicy
from kiln.sdk.sse import Comment, ServerSentEvent

__all__ = ["Event", "EventCursor", "event_from_sse"]

_QUIET_RECONNECT = 1.0  # seconds before reopening a stream that ended with nothing new, unless the server says


@dataclass(frozen=True, slots=True)
class Event:
    """One event of a job: `job.state`, `item.state`, `item.progress`, ... `id` grows; resume after it."""

    id: int
    type: str
    job_id: str
    data: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None

    @property
    def is_final(self) -> bool:
        """A `job.state` event announcing completed, failed or canceled."""
        return self.type == "job.state" and self.data.get("state") in FINAL_STATES


def _timestamp(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def event_from_sse(sse: ServerSentEvent, job_id: str) -> Event:
    """An `Event` from an SSE message. Its data is kiln's envelope `{id, job_id, type, data, created_at}`; other
    JSON (or text) becomes the event's data as it is."""
    try:
        payload: Any = json.loads(sse.data)
    except ValueError:
        payload = {"text": sse.data}
    if not isinstance(payload, dict):
        payload = {"value": payload}
    data: dict[str, Any] = payload
    created_at = None
    if isinstance(payload.get("data"), dict) and "type" in payload:  # the envelope
        data = payload["data"]
        job_id = str(payload.get("job_id") or job_id)
        created_at = _timestamp(payload.get("created_at"))
    event_id = sse.id if sse.id is not None else str(payload.get("id", ""))
    kind = sse.event if sse.event != "message" else str(payload.get("type", "message"))
    return Event(int(event_id) if event_id.isdigit() else 0, kind, job_id, data, created_at)


class EventCursor:
    """Where a reader of one job's events stands: the last id seen, and how its connections have fared."""

    def __init__(self, job_id: str, after: int, policy: RetryPolicy) -> None:
        self.job_id = job_id
        self.last_id = after
        self._policy = policy
        self._failures = 0
        self._received = False
        self._final = False
        self._retry_ms: int | None = None

    def headers(self) -> dict[str, str]:
        """Headers of the next connection: `Last-Event-ID` once anything was seen."""
        return {"Accept": "text/event-stream", **({"Last-Event-ID": str(self.last_id)} if self.last_id else {})}

    def connected(self) -> None:
        """A new connection is open."""
        self._received = False

    def accept(self, item: ServerSentEvent | Comment) -> Event | None:
        """The event to hand out for a decoded item; None for a keep-alive or an event already seen."""
        self._failures = 0  # the stream is alive
        if isinstance(item, Comment):
            return None
        if item.retry is not None:
            self._retry_ms = item.retry
        event = event_from_sse(item, self.job_id)
        if event.id and event.id <= self.last_id:
            return None  # replayed by a server that ignored Last-Event-ID
        self.last_id = max(self.last_id, event.id)
        self._received = True
        if event.type == "job.state":
            self._final = event.is_final
        return event

    def ended(self) -> Literal["stop", "reconnect", "check"]:
        """What to do after the server closed the stream cleanly.

        "stop": the last job state seen is final and the server has closed: all was said. "reconnect": this
        connection brought news; open another at once. "check": nothing new; stop if the job is final, else wait
        `quiet_delay()` and reconnect.
        """
        if self._final:
            return "stop"
        return "reconnect" if self._received else "check"

    def quiet_delay(self) -> float:
        return self._retry_ms / 1000 if self._retry_ms is not None else _QUIET_RECONNECT

    def dropped(self, exc: httpx.TransportError) -> float:
        """Seconds to wait before reconnecting after the connection broke; raises once retries are used up."""
        self._failures += 1
        if self._failures > self._policy.retries:
            raise KilnConnectionError(f"the event stream of job {self.job_id} keeps failing: {exc}") from exc
        return self._policy.delay(self._failures - 1)
