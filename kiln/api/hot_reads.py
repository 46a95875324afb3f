"""Short-lived caches for the reads that clients poll hardest: who a key is, and a job's record.

Fifty dashboards polling one job's status must not cost fifty key lookups and fifty item counts each round. A key
is remembered for `KEY_SECONDS` (a key revoked by `kiln keys revoke` stops working within that time), a job record
for `KILN_STATUS_CACHE_SECONDS` (0.2 s by default, the SSE poll interval: status is never staler than the live
events). The API's own changes (cancel, retry, delete) forget the job at once, so a caller reads its own writes.
Entries are held by `cachetools.TTLCache`, behind a lock (routes run in threads and on the event loop). When an
entry lapses under load, one read refreshes it and the requests that arrive meanwhile wait for that read instead
of each starting their own (`load_job`, `load_caller`: single flight).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import anyio.to_thread
from cachetools import TTLCache

from kiln.api.auth import Caller
from kiln.jobs.records import JobRecord

__all__ = ["KEY_SECONDS", "HotReads"]

KEY_SECONDS = 2.0
_V = TypeVar("_V")


class _Cache:
    def __init__(self, ttl: float, size: int, clock: Callable[[], float]) -> None:
        self._entries: TTLCache[str, object] = TTLCache(maxsize=size, ttl=ttl, timer=clock)
        self._lock = threading.Lock()
        self.enabled = ttl > 0

    def get(self, key: str) -> object | None:
        if not self.enabled:
            return None
        with self._lock:
            return self._entries.get(key)

    def put(self, key: str, value: _V) -> _V:
        if self.enabled:
            with self._lock:
                self._entries[key] = value
        return value

    def forget(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)


class HotReads:
    """The caches of one app: callers by token, job records by id."""

    def __init__(self, job_seconds: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._callers = _Cache(KEY_SECONDS, 1024, clock)
        self._jobs = _Cache(job_seconds, 4096, clock)
        self._loading: dict[tuple[str, str], asyncio.Future[Any]] = {}  # touched on the event loop only
        self._bodies = _Cache(job_seconds, 4096, clock)

    async def _once(self, key: tuple[str, str], load: Callable[[], _V]) -> _V:
        """`load()` in a worker thread, shared by every caller that asks for `key` while it runs."""
        pending = self._loading.get(key)
        if pending is None:
            pending = asyncio.ensure_future(anyio.to_thread.run_sync(load))
            self._loading[key] = pending
            pending.add_done_callback(lambda _: self._loading.pop(key, None))
        result: _V = await asyncio.shield(pending)
        return result

    async def load_caller(self, token: str, authenticate: Callable[[], Caller]) -> Caller:
        """The caller of `token`, from the cache or from `authenticate()` (whose errors propagate, uncached)."""
        known = self.caller(token)
        if known is not None:
            return known
        return self.remember_caller(token, await self._once(("key", token), authenticate))

    async def load_job(self, job_id: str, read: Callable[[], JobRecord | None]) -> JobRecord | None:
        """The job's record, from the cache or from `read()`; a missing job is not remembered."""
        known = self.job(job_id)
        if known is not None:
            return known
        job = await self._once(("job", job_id), read)
        return None if job is None else self.remember_job(job)

    def caller(self, token: str) -> Caller | None:
        found = self._callers.get(token)
        return found if isinstance(found, Caller) else None

    def remember_caller(self, token: str, caller: Caller) -> Caller:
        return self._callers.put(token, caller)

    def job(self, job_id: str) -> JobRecord | None:
        found = self._jobs.get(job_id)
        return found if isinstance(found, JobRecord) else None

    def remember_job(self, job: JobRecord) -> JobRecord:
        return self._jobs.put(job.id, job)

    def forget_job(self, job_id: str) -> None:
        self._jobs.forget(job_id)

    def body(self, job: JobRecord, base: str, render: Callable[[], bytes]) -> bytes:
        """The status answer of `job` as seen from `base`, rendered once per record read (many pollers, one
        rendering)."""
        key = f"{base} {job.id}"
        found = self._bodies.get(key)
        if isinstance(found, tuple) and found[0] is job:
            body: bytes = found[1]
            return body
        return self._bodies.put(key, (job, render()))[1]
