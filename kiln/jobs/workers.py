"""The worker registry: each worker process beats a row (who it is, where, what it holds) that `/readyz` and
`/metrics` read.

Rules both implementations keep (`tests/store/` checks them):
- `beat` upserts the worker's row: `last_seen` becomes now and `info` is replaced; `started_at` is the time of
  the first beat since the row was made. `info` must be JSON (it is copied through JSON, as SQL stores it).
- A beat also forgets workers not seen for `FORGET_AFTER`, so crashed workers do not pile up.
- `live_workers(within_seconds)` lists workers seen at or after `now - within_seconds`, by worker id.
- `remove_worker` deletes the row (a graceful stop); removing an unknown worker does nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

__all__ = ["FORGET_AFTER", "LIVE_BEATS", "WorkerRecord", "WorkerRegistry"]

FORGET_AFTER = timedelta(days=1)
LIVE_BEATS = 3  # readers count a worker live while it beat within this many heartbeat intervals


@dataclass(frozen=True, slots=True)
class WorkerRecord:
    """A worker as last reported: its id, what it said about itself, and when."""

    worker_id: str
    info: Mapping[str, Any]
    started_at: datetime
    last_seen: datetime


@runtime_checkable
class WorkerRegistry(Protocol):
    def beat(self, worker_id: str, info: Mapping[str, Any]) -> None: ...
    def live_workers(self, within_seconds: float) -> list[WorkerRecord]: ...
    def remove_worker(self, worker_id: str) -> None: ...
