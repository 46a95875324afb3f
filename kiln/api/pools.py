"""The live workers' pools as the API sees them, and the warning of a job whose model no live worker serves.

Job status is polled hard, so this stays cheap: the live workers are read at most once a second (one read, the
other requests waiting on it), and a job's waiting models (`JobStore.waiting_models`) are read only while no live
worker serves every model and the job has pending items, at most once a second per job.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import anyio.to_thread
from cachetools import TTLCache

from kiln.jobs.pools import served_by, unserved_models, waiting_message
from kiln.jobs.records import FINAL_JOB_STATES, JobRecord
from kiln.jobs.store import JobStore
from kiln.jobs.workers import WorkerRecord, WorkerRegistry

__all__ = ["READ_EVERY", "LivePools"]

READ_EVERY = 1.0  # seconds a read of the live workers, or of a job's waiting models, is reused


class LivePools:
    """What the live workers serve, and what a job waits for that none serves."""

    def __init__(
        self,
        store: JobStore,
        workers: WorkerRegistry | None,
        live_seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._workers = workers
        self._live_seconds = live_seconds
        self._clock = clock
        self._live: tuple[float, list[WorkerRecord]] | None = None
        self._reading: asyncio.Future[list[WorkerRecord]] | None = None
        self._models: TTLCache[str, list[str]] = TTLCache(maxsize=4096, ttl=READ_EVERY, timer=clock)

    async def live(self) -> list[WorkerRecord]:
        """The live workers, read at most once every `READ_EVERY` seconds."""
        assert self._workers is not None
        if self._live is not None and self._clock() - self._live[0] < READ_EVERY:
            return self._live[1]
        if self._reading is None:
            began, registry = self._clock(), self._workers
            self._reading = asyncio.ensure_future(
                anyio.to_thread.run_sync(lambda: registry.live_workers(self._live_seconds))
            )
            try:
                self._live = (began, await asyncio.shield(self._reading))
            finally:
                self._reading = None
            return self._live[1]
        return await asyncio.shield(self._reading)

    async def warning(self, job: JobRecord) -> str | None:
        """Why the job's pending items wait (no live worker serves their model), or None."""
        if self._workers is None or job.state in FINAL_JOB_STATES or not job.counts.get("pending"):
            return None
        live = await self.live()
        served = served_by(worker.info for worker in live)
        if served is None:  # a worker serves every model (the default): nothing waits for a pool
            return None
        waiting = self._models.get(job.id)
        if waiting is None:
            store = self._store
            waiting = await anyio.to_thread.run_sync(lambda: store.waiting_models(job.id))
            self._models[job.id] = waiting
        return waiting_message(unserved_models(waiting, served, any_live=bool(live)), any_live=bool(live))
