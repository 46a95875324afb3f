"""Short-lived caches for the reads that clients poll hardest: who a key is, and a job's record.

Fifty dashboards polling one job's status must not cost fifty key lookups and fifty item counts each round. Each
entry remembers when the read that made it began. A job record is fresh for `KILN_STATUS_CACHE_SECONDS` (0.2 s by
default, the SSE poll interval); past that it is refreshed by one read in a worker thread while requests go on
being answered from it (stale while revalidate), up to `MAX_STALE` times its lifetime. A key is never served
older than `KEY_SECONDS`: it is refreshed in the background from half that age, and an older entry is waited
for, so a key revoked by `kiln keys revoke` stops working within `KEY_SECONDS`, also for a key used once and
then again much later. A missing entry is waited for, and requests that arrive meanwhile share that one read
(single flight). A request sent with `Cache-Control: no-cache` (the SDK's, after an event told it something
changed) reads the store anew. The API's own changes (cancel, retry, delete) forget the job at once, so a caller
reads its own writes.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import anyio.to_thread
from cachetools import LRUCache

from kiln.api.auth import Caller
from kiln.jobs.records import JobRecord

__all__ = ["KEY_SECONDS", "MAX_STALE", "HotReads"]

KEY_SECONDS = 1.0  # the oldest read of a key that is still served: a revocation holds within this
MAX_STALE = 5.0  # a job record this many lifetimes old is not served while it is refreshed
_V = TypeVar("_V")


class _Fresh(Generic[_V]):
    """Values by key with the time the read of each began: served as they are below `refresh_after`, served while
    one read refreshes them below `max_age`, never served at or past `max_age` (a request waits for a read that
    began within it). Loads run from the event loop; entries sit behind a lock because `forget` comes from the
    routes' threads too."""

    def __init__(self, refresh_after: float, max_age: float, size: int, clock: Callable[[], float]) -> None:
        self._entries: LRUCache[str, tuple[_V, float]] = LRUCache(maxsize=size)
        self._loading: dict[str, tuple[asyncio.Future[Any], float]] = {}
        self._refresh_after = refresh_after
        self._max_age = max_age
        self._clock = clock
        self._lock = threading.Lock()

    async def get(self, key: str, load: Callable[[], _V | None]) -> _V | None:
        """The value for `key`: cached, or from `load()` in a thread (None is not remembered; errors propagate)."""
        if self._max_age <= 0:
            return await anyio.to_thread.run_sync(load)
        with self._lock:
            entry = self._entries.get(key)
        now = self._clock()
        if entry is not None:
            value, read_at = entry
            age = now - read_at
            if age < self._refresh_after:
                return value
            if age < self._max_age:
                self._load(key, load, now)
                return value  # the refresh goes on in the background
        return await asyncio.shield(self._load(key, load, now))

    async def fresh(self, key: str, load: Callable[[], _V | None]) -> _V | None:
        """A new read of `key` (never one already in flight, which may predate what the caller knows), kept."""
        began = self._clock()
        value = await anyio.to_thread.run_sync(load)
        self._keep(key, value, began)
        return value

    def forget(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def _load(self, key: str, load: Callable[[], _V | None], now: float) -> asyncio.Future[_V | None]:
        """The read of `key` in flight if it began within `max_age` (one that hangs is not shared for ever), else
        a new one."""
        pending = self._loading.get(key)
        if pending is not None and now - pending[1] < self._max_age:
            return pending[0]
        future = asyncio.ensure_future(anyio.to_thread.run_sync(load))
        self._loading[key] = (future, now)
        future.add_done_callback(lambda done: self._store(key, done, now))
        return future

    def _store(self, key: str, done: asyncio.Future[Any], began: float) -> None:
        pending = self._loading.get(key)
        if pending is not None and pending[0] is done:
            del self._loading[key]
        value = None if done.cancelled() or done.exception() is not None else done.result()
        self._keep(key, value, began)

    def _keep(self, key: str, value: _V | None, began: float) -> None:
        with self._lock:
            if value is None:
                self._entries.pop(key, None)  # gone, refused or failed: the next request reads again
                return
            known = self._entries.get(key)
            if known is None or known[1] <= began:  # a slow, older read never replaces a newer one
                self._entries[key] = (value, began)


class HotReads:
    """The caches of one app: callers by key, job records by id, and each record's rendered status."""

    def __init__(self, job_seconds: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._callers: _Fresh[Caller] = _Fresh(KEY_SECONDS / 2, KEY_SECONDS, 1024, clock)
        self._sessions: _Fresh[Caller] = _Fresh(KEY_SECONDS / 2, KEY_SECONDS, 1024, clock)  # by key id
        self._jobs: _Fresh[JobRecord] = _Fresh(job_seconds, job_seconds * MAX_STALE, 4096, clock)
        self._bodies: LRUCache[str, tuple[JobRecord, str | None, bytes]] = LRUCache(maxsize=4096)

    async def load_caller(self, token: str, authenticate: Callable[[], Caller]) -> Caller:
        """The caller of `token`, from the cache or from `authenticate()` (whose errors propagate, uncached)."""
        caller = await self._callers.get(token, authenticate)
        assert caller is not None  # `authenticate` raises rather than answering None
        return caller

    async def load_session(self, key_id: str, authenticate: Callable[[], Caller]) -> Caller:
        """The caller of a session cookie naming `key_id`, like `load_caller` (kept apart: ids are not tokens)."""
        caller = await self._sessions.get(key_id, authenticate)
        assert caller is not None
        return caller

    async def load_job(
        self, job_id: str, read: Callable[[], JobRecord | None], *, fresh: bool = False
    ) -> JobRecord | None:
        """The job's record, from the cache or from `read()`; a missing job is not remembered. `fresh` (a request
        with `Cache-Control: no-cache`, as the SDK sends after each event) reads the store now."""
        if fresh:
            return await self._jobs.fresh(job_id, read)
        return await self._jobs.get(job_id, read)

    def forget_job(self, job_id: str) -> None:
        self._jobs.forget(job_id)

    def body(self, job: JobRecord, base: str, render: Callable[[], bytes], *, warning: str | None = None) -> bytes:
        """The status answer of `job` as seen from `base` (with its `warning`), rendered once per record read (many
        pollers, one rendering)."""
        key = f"{base} {job.id}"
        found = self._bodies.get(key)
        if found is not None and found[0] is job and found[1] == warning:
            return found[2]
        body = render()
        self._bodies[key] = (job, warning, body)
        return body
