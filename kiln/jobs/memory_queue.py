"""`MemoryQueueReads`: the memory store's reads of the queue as a whole (pending items, the models a job still
waits for, `stats`, an owner's remote spending) and its signature rates; `_lock`, `_clock` and the tables are the
store's (`kiln.jobs.memory.MemoryStore`)."""

from __future__ import annotations

import heapq
import threading
from collections.abc import Collection
from datetime import datetime, timedelta

from kiln.jobs.ids import Clock, by_id
from kiln.jobs.lifecycle import empty_counts, empty_job_counts
from kiln.jobs.memory_parts import MutableItem, MutableJob
from kiln.jobs.rates import SignatureRate, checked_rate, next_rate
from kiln.jobs.records import ArtifactRecord, StoreStats
from kiln.jobs.store import MAX_WAITING_MODELS

__all__ = ["MemoryQueueReads"]


class MemoryQueueReads:
    """`pending_count`, `waiting_models`, `stats`, `remote_cost_since`, `record_rate` and `signature_rates` of
    `JobStore`, in memory."""

    _lock: threading.RLock
    _clock: Clock
    _jobs: dict[str, MutableJob]
    _items: dict[int, MutableItem]
    _pending: set[int]
    _artifacts: dict[str, ArtifactRecord]
    _storage_errors: int
    _rates: dict[str, SignatureRate]

    def pending_count(self) -> int:
        with self._lock:
            return len(self._pending)

    @by_id([])
    def waiting_models(self, job_id: str, *, limit: int = MAX_WAITING_MODELS) -> list[str]:
        with self._lock:
            job = self._jobs.get(job_id)
            pending = () if job is None else (self._items[i] for i in job.item_ids)
            found = {item.item.model for item in pending if item.state == "pending"}
            return sorted(found)[:limit]

    def stats(self, *, window_seconds: float = 3600.0, max_durations: int = 5000) -> StoreStats:
        with self._lock:
            since = self._clock() - timedelta(seconds=window_seconds)
            jobs, items = empty_job_counts(), empty_counts()
            for job in self._jobs.values():
                jobs[job.state] += 1
                for state, count in job.counts.items():
                    items[state] += count
            done = [
                (i.finished_at, i.started_at)
                for i in self._items.values()
                if i.state == "done" and i.finished_at is not None and i.finished_at >= since
            ]
            recent = heapq.nlargest(max_durations, done, key=lambda pair: pair[0])
            seconds = tuple(max((end - start).total_seconds(), 0.0) for end, start in recent if start is not None)
            images = len(self._artifacts)
            return StoreStats(jobs, items, images, seconds, storage_errors=self._storage_errors)

    def record_rate(self, signature: str, seconds_per_image: float) -> None:
        sample = checked_rate(seconds_per_image)
        with self._lock:
            self._rates[signature] = next_rate(self._rates.get(signature), sample, self._clock())

    def signature_rates(self, signatures: Collection[str]) -> dict[str, SignatureRate]:
        with self._lock:
            return {key: self._rates[key] for key in signatures if key in self._rates}

    def remote_cost_since(self, owner: str, since: datetime) -> float:
        with self._lock:
            return sum(
                item.remote_cost_usd
                for item in self._items.values()
                if item.remote_cost_usd is not None
                and item.finished_at is not None
                and item.finished_at >= since
                and self._jobs[item.job_id].new.owner == owner
            )
