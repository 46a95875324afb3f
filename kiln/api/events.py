"""The event source: a job's persisted events after a given id, followed by polling the store, or, with the Redis
event bus (`kiln.api.event_wakeups`), by reading the store whenever a wake-up for the job comes (or the slow
safety poll is due).

`follow` yields batches of events as they appear, an empty batch after `heartbeat` seconds without any (so a
stream can send a keep-alive), and ends once the job is final and its last event has been yielded (or the job is
gone). Store calls are blocking, so they run in worker threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import anyio.to_thread

from kiln.api.event_wakeups import EventWakeups
from kiln.jobs.records import FINAL_JOB_STATES, EventRecord
from kiln.jobs.store import JobStore

__all__ = ["EventSource", "event_payload"]


def event_payload(event: EventRecord) -> dict[str, Any]:
    """An event as clients see it, on SSE and WebSocket alike."""
    return {
        "id": event.id,
        "job_id": event.job_id,
        "type": event.type,
        "data": dict(event.data),
        "created_at": event.created_at.isoformat(),
    }


def _ends_job(event: EventRecord) -> bool:
    """A final `job.state`: a woken stream reads once more to end, rather than wait for a wake-up that won't come."""
    return event.type == "job.state" and event.data.get("state") in FINAL_JOB_STATES


class EventSource:
    """Follows jobs' events in a store, polling every `poll_seconds`, or woken by `wakeups` (Redis)."""

    def __init__(
        self,
        store: JobStore,
        *,
        poll_seconds: float = 0.2,
        keep_alive_seconds: float = 15.0,
        batch_limit: int = 500,
        wakeups: EventWakeups | None = None,
    ) -> None:
        self._store = store
        self.wakeups = wakeups
        self.poll_seconds = poll_seconds
        self.keep_alive_seconds = keep_alive_seconds  # what streams pass as `heartbeat`
        self.batch_limit = batch_limit

    async def _events_after(self, job_id: str, after: int) -> list[EventRecord]:
        limit = self.batch_limit
        return await anyio.to_thread.run_sync(lambda: self._store.events_after(job_id, after, limit=limit))

    async def _is_over(self, job_id: str) -> bool:
        job = await anyio.to_thread.run_sync(self._store.get_job, job_id)
        return job is None or job.state in FINAL_JOB_STATES

    async def follow(
        self, job_id: str, after: int = 0, *, heartbeat: float | None = None
    ) -> AsyncIterator[list[EventRecord]]:
        """Batches of `job_id`'s events with ids above `after`, until the job is final and all are out."""
        quiet_since = time.monotonic()
        watch = self.wakeups.watch(job_id) if self.wakeups is not None else contextlib.nullcontext(None)
        with watch as wakeup:
            while True:
                if wakeup is not None:
                    wakeup.clear()  # before the read: a wake-up after it is for events it may not have seen
                batch = await self._events_after(job_id, after)
                if not batch and await self._is_over(job_id):
                    # the final state and its event are written together: whatever is not read yet is here now
                    batch = await self._events_after(job_id, after)
                    if not batch:
                        return
                if batch:
                    after = batch[-1].id
                    quiet_since = time.monotonic()
                    yield batch
                    if len(batch) >= self.batch_limit or (wakeup is not None and _ends_job(batch[-1])):
                        continue  # more are waiting, or the end is confirmed by the next read: no pause
                elif heartbeat is not None and time.monotonic() - quiet_since >= heartbeat:
                    quiet_since = time.monotonic()
                    yield []
                if wakeup is None:
                    await anyio.sleep(self.poll_seconds)
                else:
                    await self._wait(wakeup, quiet_since, heartbeat)

    async def _wait(self, wakeup: asyncio.Event, quiet_since: float, heartbeat: float | None) -> None:
        """Until a wake-up, the bus's poll interval, or the next keep-alive, whichever comes first."""
        assert self.wakeups is not None
        timeout = self.wakeups.poll_seconds
        if heartbeat is not None:
            timeout = min(timeout, max(0.0, quiet_since + heartbeat - time.monotonic()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wakeup.wait(), timeout)
