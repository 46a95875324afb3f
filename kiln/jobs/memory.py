"""`MemoryStore`: the job store, key store, webhook outbox and worker registry in plain dicts behind one lock.

For tests and single-process experiments; it keeps every rule of `kiln.jobs.store` (and the event and webhook
rules of `kiln.jobs.lifecycle`) so the contract suite runs against it unchanged. Values that a SQL store would
keep as JSON (requests, metadata, event data, payloads) are copied through JSON, so both reject the same input.
"""

from __future__ import annotations

import dataclasses
import heapq
import threading
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from kiln.jobs.event_listeners import EventListener, EventListeners
from kiln.jobs.fair_share import owner_first, turn_order
from kiln.jobs.ids import Clock, by_id, cursor_id, new_id, stored_id, utc_now
from kiln.jobs.lifecycle import (
    check_items,
    failed_job_error,
    fit_micro_batches,
    item_event,
    job_event,
    job_summary,
    lost_lease_error,
    reported_progress,
    retry_state,
    settled_state,
    storage_job_error,
    unit_cap,
)
from kiln.jobs.memory_gallery import MemoryGallery
from kiln.jobs.memory_parts import MemoryWorkers, MutableItem, MutableJob, item_record, json_copy
from kiln.jobs.memory_queue import MemoryQueueReads
from kiln.jobs.memory_usage import UsageLedger
from kiln.jobs.quota import Charge
from kiln.jobs.rates import SignatureRate
from kiln.jobs.records import (
    FINAL_JOB_STATES,
    ArtifactRecord,
    EventRecord,
    ItemRecord,
    ItemState,
    JobRecord,
    JobState,
    NewArtifact,
    NewJob,
    WorkUnit,
)
from kiln.remote.models import namespace_of
from kiln.task_item import WorkItem
from kiln.types import Signature

__all__ = ["MemoryStore"]


class MemoryStore(MemoryWorkers, MemoryGallery, MemoryQueueReads):
    """An in-memory `JobStore` (with its `GalleryStore`), `KeyStore`, `WebhookOutbox` and `WorkerRegistry`;
    `clock` returns aware UTC datetimes."""

    def __init__(self, *, clock: Clock = utc_now) -> None:
        super().__init__(clock=clock, lock=threading.RLock())
        MemoryGallery.__init__(self)
        self._jobs: dict[str, MutableJob] = {}
        self._items: dict[int, MutableItem] = {}
        self._pending: set[int] = set()
        self._running: set[int] = set()
        self._artifacts: dict[str, ArtifactRecord] = {}
        self._events: dict[str, list[EventRecord]] = {}
        self._next_item_id = 1
        self._next_event_id = 1
        self._usage = UsageLedger()
        self._storage_errors = 0
        self._rates: dict[str, SignatureRate] = {}
        self._event_listeners = EventListeners()

    def add_event_listener(self, listener: EventListener) -> None:
        """`listener` hears of each appended event's job; it runs under the store's lock, which readers wait on,
        so the event is readable once they can read at all."""
        self._event_listeners.add(listener)

    # jobs
    def create_job(self, job: NewJob, items: Sequence[WorkItem], *, charge: Charge | None = None) -> JobRecord:
        check_items(items)
        request = json_copy(dict(job.request))
        with self._lock:
            now = self._clock()
            known = self.job_for_key(job.owner, job.idempotency_key) if job.idempotency_key is not None else None
            if known is not None:
                return known
            if job.owner is not None:  # first: a refused job writes nothing
                self._usage.charge(job.owner, charge or Charge(len(items)), now)
            record = MutableJob(id=new_id(now), new=job, request=request, created_at=now, item_ids=[])
            if job.grid is not None:
                record.grid, record.grid_due = json_copy(dict(job.grid)), now
            signatures: dict[Signature, str] = {}
            for item in sorted(items, key=lambda i: i.index):
                sig = item.signature()
                key = signatures.get(sig) or signatures.setdefault(sig, sig.key())
                rank = (-job.priority, now, record.id, item.index)
                stored = MutableItem(self._next_item_id, record.id, item, key, rank)
                self._next_item_id += 1
                self._items[stored.id] = stored
                self._pending.add(stored.id)
                record.item_ids.append(stored.id)
            record.counts["pending"] = len(items)
            self._jobs[record.id] = record
            self._events[record.id] = []
            self._job_event(record, now)
            return self._job_record(record)

    def job_for_key(self, owner: str | None, idempotency_key: str) -> JobRecord | None:
        with self._lock:
            for job in self._jobs.values():
                if job.new.owner == owner and job.new.idempotency_key == idempotency_key:
                    return self._job_record(job)
            return None

    @by_id(None)
    def get_job(self, job_id: str, *, owner: str | None = None) -> JobRecord | None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or (owner is not None and job.new.owner != owner):
                return None
            return self._job_record(job)

    def list_jobs(
        self,
        *,
        owner: str | None = None,
        states: Collection[JobState] | None = None,
        limit: int = 50,
        before: str | None = None,
    ) -> list[JobRecord]:
        before = None if before is None else cursor_id(before)
        with self._lock:
            found = []
            for job_id in sorted(self._jobs, reverse=True):
                job = self._jobs[job_id]
                if before is not None and job_id >= before:
                    continue
                if (owner is None or job.new.owner == owner) and (states is None or job.state in states):
                    found.append(self._job_record(job))
                    if len(found) >= limit:
                        break
            return found

    @by_id([])
    def list_items(
        self, job_id: str, *, states: Collection[ItemState] | None = None, offset: int = 0, limit: int = 100
    ) -> list[ItemRecord]:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return []
            items = (self._items[i] for i in job.item_ids)
            chosen = [i for i in items if states is None or i.state in states][offset : offset + limit]
            return [item_record(i) for i in chosen]

    @by_id(None)
    def cancel_job(self, job_id: str) -> JobRecord | None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            if job.state not in FINAL_JOB_STATES:
                now = self._clock()
                for item in self._job_items(job, "pending"):
                    self._move(item, "canceled", now, event=False)
                self._finish(job, "canceled", now)
            return self._job_record(job)

    @by_id(None)
    def retry_job(self, job_id: str) -> JobRecord | None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            retried = self._job_items(job, "failed", "canceled")
            if retried:
                now = self._clock()
                for item in retried:
                    item.attempts, item.error, item.remote_id = 0, None, None
                    self._move(item, "pending", now, event=False)
                busy = job.counts["done"] or job.counts["running"]
                job.state = "running" if busy else "queued"
                job.started_at = job.started_at if busy else None
                job.finished_at = job.error = None
                if job.grid is not None:  # the grid image is made again once the job completes again
                    job.grid_due = now
                self._job_event(job, now)
            return self._job_record(job)

    @by_id(None)
    def set_priority(self, job_id: str, priority: int) -> JobRecord | None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            if job.state not in FINAL_JOB_STATES:
                job.new = dataclasses.replace(job.new, priority=priority)
                for item in self._job_items(job, "pending", "running", "failed", "canceled"):
                    _, created, same_job, index = item.rank
                    item.rank = (-priority, created, same_job, index)
            return self._job_record(job)

    @by_id(None)
    def delete_job(self, job_id: str) -> list[str] | None:
        with self._lock:
            job = self._jobs.pop(job_id, None)
            if job is None:
                return None
            for item_id in job.item_ids:
                del self._items[item_id]
                self._pending.discard(item_id)
                self._running.discard(item_id)
            del self._events[job_id]
            artifacts = [a for a in self._artifacts.values() if a.job_id == job_id]
            self._forget_artifacts(a.id for a in artifacts)
            return [a.storage_key for a in sorted(artifacts, key=lambda a: a.index)]

    def images_since(self, owner: str, since: datetime) -> int:
        with self._lock:
            return self._usage.images_since(owner, since)

    # work
    def claim(
        self,
        worker_id: str,
        *,
        max_items: int,
        lease_seconds: float,
        models: Collection[str] | None = None,
        backend: str | None = None,
    ) -> WorkUnit | None:
        if max_items < 1:
            raise ValueError("max_items must be at least 1")
        with self._lock:
            now = self._clock()
            candidates = [self._items[i] for i in self._pending if _due(self._items[i], now)]
            candidates = [i for i in candidates if namespace_of(i.item.model) == backend]
            if models is not None:
                candidates = [i for i in candidates if i.item.model in models]
            if not candidates:
                return None
            first = self._take_turn(candidates)
            chosen = [first]
            if first.attempts == 0:
                cap = unit_cap(max_items, self._jobs[first.job_id].new.micro_batch)
                batch = [i for i in candidates if i.signature == first.signature and i.attempts == 0]
                owner = self._jobs[first.job_id].new.owner
                own = [i.id for i in batch if self._jobs[i.job_id].new.owner == owner]
                ranked = [i.id for i in heapq.nsmallest(cap, batch, key=lambda i: i.rank)]
                ranked = owner_first(heapq.nsmallest(cap, own, key=lambda i: self._items[i].rank), ranked)
                chosen = fit_micro_batches(
                    ((self._items[i], self._jobs[self._items[i].job_id].new.micro_batch) for i in ranked), cap
                )
            unit_id, expires = new_id(now), now + timedelta(seconds=lease_seconds)
            for job_id in sorted({i.job_id for i in chosen}):
                job = self._jobs[job_id]
                job.last_unit = unit_id  # its owner is served
                if job.state == "queued":
                    job.state, job.started_at = "running", now
                    self._job_event(job, now)
            for item in chosen:
                item.unit_id, item.worker_id, item.lease_expires_at = unit_id, worker_id, expires
                self._move(item, "running", now)
            return WorkUnit(unit_id, worker_id, tuple(item_record(i) for i in chosen), expires)

    def heartbeat(self, unit_id: str, *, lease_seconds: float) -> list[int]:
        with self._lock:
            now = self._clock()
            held = []
            for item in self._unit_items(unit_id):
                if item.lease_expires_at is not None and item.lease_expires_at > now:
                    item.lease_expires_at = now + timedelta(seconds=lease_seconds)
                    if self._jobs[item.job_id].state != "canceled":
                        held.append(item.id)
            return sorted(held)

    def complete_item(self, unit_id: str, item_id: int, artifact: NewArtifact) -> bool:
        metadata = json_copy(dict(artifact.metadata))
        with self._lock:
            now = self._clock()
            item = self._held(unit_id, item_id, now)
            if item is None:
                return False
            record = ArtifactRecord(
                new_id(now), item.job_id, item.id, item.item.index, artifact.storage_key, artifact.content_type,
                artifact.size_bytes, artifact.width, artifact.height, metadata, now,
            )  # fmt: skip
            self._artifacts[record.id] = record
            self._index_artifact(record, self._jobs[item.job_id].new.owner, item.item)
            item.error = None
            if item.attempts:  # a retried item is done: the job's last storage error is over
                self._jobs[item.job_id].error = None
            self._move(item, "done", now, artifact_id=record.id)
            self._settle(self._jobs[item.job_id], now)
            return True

    def set_remote(self, unit_id: str, item_id: int, remote_id: str, *, cost_usd: float | None = None) -> bool:
        with self._lock:
            item = self._held(unit_id, item_id, self._clock())
            if item is None:
                return False
            item.remote_id = remote_id
            if cost_usd is not None:
                item.remote_cost_usd = cost_usd
            return True

    def fail_item(self, unit_id: str, item_id: int, error: str) -> bool:
        with self._lock:
            now = self._clock()
            item = self._held(unit_id, item_id, now)
            if item is None:
                return False
            item.error = error
            self._move(item, "failed", now)
            self._settle(self._jobs[item.job_id], now)
            return True

    def release_unit(self, unit_id: str) -> int:
        with self._lock:
            now = self._clock()
            items = list(self._unit_items(unit_id))
            for item in items:
                self._move(item, "canceled" if self._jobs[item.job_id].state == "canceled" else "pending", now)
            return len(items)

    def storage_failed(self, unit_id: str, item_id: int, error: str, *, retry_in: float) -> ItemState | None:
        with self._lock:
            now = self._clock()
            self._storage_errors += 1
            item = self._held(unit_id, item_id, now)
            if item is None:
                return None
            job = self._jobs[item.job_id]
            item.attempts += 1
            item.error = error
            state = retry_state(item.attempts, job.new.max_attempts, job.state)
            if state == "pending":
                item.retry_at = now + timedelta(seconds=retry_in)
            self._move(item, state, now)
            if job.state not in FINAL_JOB_STATES:
                job.error = storage_job_error(item.item.index, error, item.attempts, job.new.max_attempts, retry_in)
            self._settle(job, now)
            return state

    def expire_leases(self) -> int:
        with self._lock:
            now = self._clock()
            expired = [self._items[i] for i in sorted(self._running)]
            expired = [i for i in expired if i.lease_expires_at is not None and i.lease_expires_at <= now]
            for item in expired:
                job = self._jobs[item.job_id]
                if job.state == "canceled":
                    self._move(item, "canceled", now)
                    continue
                item.attempts += 1
                item.error = lost_lease_error(item.attempts)
                self._move(item, "failed" if item.attempts >= job.new.max_attempts else "pending", now)
            for job_id in sorted({i.job_id for i in expired}):
                self._settle(self._jobs[job_id], now)
            return len(expired)

    # artifacts and events
    @by_id([])
    def list_artifacts(self, job_id: str) -> list[ArtifactRecord]:
        with self._lock:
            return sorted((a for a in self._artifacts.values() if a.job_id == job_id), key=lambda a: a.index)

    @by_id(None)
    def get_artifact(self, artifact_id: str) -> ArtifactRecord | None:
        with self._lock:
            return self._artifacts.get(artifact_id)

    def append_event(self, job_id: str, type: str, data: dict[str, Any]) -> EventRecord:
        job_id = stored_id(job_id) or job_id
        copied = json_copy(data)
        with self._lock:
            if job_id not in self._jobs:
                raise KeyError(f"no job {job_id!r}")
            if (reported := reported_progress(type, copied)) is not None:
                indexes, fraction = reported
                for i in self._running:
                    if (item := self._items[i]).job_id == job_id and item.item.index in indexes:
                        item.progress = fraction
            return self._append(job_id, type, copied, self._clock())

    @by_id([])
    def events_after(self, job_id: str, after_id: int, *, limit: int = 500) -> list[EventRecord]:
        with self._lock:
            return [e for e in self._events.get(job_id, []) if e.id > after_id][:limit]

    # internals, called with the lock held
    def _take_turn(self, candidates: list[MutableItem]) -> MutableItem:
        """The item that leads the next unit: the best of the owner whose turn it is (`kiln.jobs.fair_share`)."""
        best = min(candidates, key=lambda i: i.rank)
        top = [i for i in candidates if i.rank[0] == best.rank[0]]
        waiting = {self._jobs[i.job_id].new.owner for i in top}
        if len(waiting) == 1:
            return best
        served: dict[str | None, str | None] = dict.fromkeys(waiting)
        for job in self._jobs.values():
            latest = served.get(job.new.owner)
            if job.new.owner in waiting and job.last_unit is not None and (latest is None or job.last_unit > latest):
                served[job.new.owner] = job.last_unit
        turn = turn_order(served)[0]
        return min((i for i in top if self._jobs[i.job_id].new.owner == turn), key=lambda i: i.rank)

    # grid images
    def claim_grid(self, *, lease_seconds: float, job_id: str | None = None) -> JobRecord | None:
        with self._lock:
            now = self._clock()
            if job_id is not None:
                found = self._jobs.get(stored_id(job_id) or job_id)
                jobs = [found] if found is not None else []
            else:
                jobs = list(self._jobs.values())
            owed = [j for j in jobs if j.state == "completed" and j.grid_due is not None and j.grid_due <= now]
            if not owed:
                return None
            job = min(owed, key=lambda j: (j.grid_due or now, j.id))
            job.grid_due = now + timedelta(seconds=lease_seconds)
            return self._job_record(job)

    def record_grid(self, job_id: str, artifact: NewArtifact) -> ArtifactRecord | None:
        metadata = json_copy(dict(artifact.metadata))
        with self._lock:
            job = self._jobs.get(stored_id(job_id) or job_id)
            if job is None or job.grid_due is None:
                return None
            now = self._clock()
            known = job.grid_artifact_id if job.grid_artifact_id in self._artifacts else None
            record = ArtifactRecord(
                known or new_id(now), job.id, None, len(job.item_ids), artifact.storage_key, artifact.content_type,
                artifact.size_bytes, artifact.width, artifact.height, metadata, now,
            )  # fmt: skip
            self._artifacts[record.id] = record
            self._index_artifact(record, job.new.owner, None)  # in the owner's gallery, as an image of no item
            job.grid_due, job.grid_artifact_id = None, record.id
            return record

    def _append(self, job_id: str, type: str, data: dict[str, Any], now: datetime) -> EventRecord:
        event = EventRecord(self._next_event_id, job_id, type, data, now)
        self._next_event_id += 1
        self._events[job_id].append(event)
        if self._event_listeners:
            self._event_listeners.notify(frozenset((job_id,)))
        return event

    def _job_event(self, job: MutableJob, now: datetime) -> None:
        data = job_event(job.state, len(job.item_ids), job.counts, job.error if job.state == "failed" else None)
        self._append(job.id, "job.state", data, now)

    def _move(
        self, item: MutableItem, state: ItemState, now: datetime, *, event: bool = True, artifact_id: str | None = None
    ) -> None:
        """Moves an item to `state`, keeping counts, state sets, timestamps and lease consistent."""
        counts = self._jobs[item.job_id].counts
        counts[item.state] -= 1
        counts[state] += 1
        for state_set, name in ((self._pending, "pending"), (self._running, "running")):
            (state_set.add if state == name else state_set.discard)(item.id)
        item.state = state
        item.progress = 0.0
        if state != "running":
            item.unit_id = item.worker_id = item.lease_expires_at = None
        if state == "running":
            item.started_at, item.finished_at = now, None
        elif state == "pending":
            item.started_at = item.finished_at = None
        else:
            item.finished_at = now
        if event:
            data = item_event(item.id, item.item.index, state, item.attempts, error=item.error, artifact_id=artifact_id)
            self._append(item.job_id, "item.state", data, now)

    def _settle(self, job: MutableJob, now: datetime) -> None:
        """Finishes a job that is not canceled once every item is final."""
        state = settled_state(job.counts)
        if job.state in FINAL_JOB_STATES or state is None:
            return
        error = None
        if state == "failed":
            failed = self._job_items(job, "failed")
            first = (failed[0].item.index, failed[0].error) if failed else None
            error = failed_job_error(len(job.item_ids), first)
        self._finish(job, state, now, error)

    def _finish(self, job: MutableJob, state: JobState, now: datetime, error: str | None = None) -> None:
        job.state, job.finished_at, job.error = state, now, error
        self._job_event(job, now)
        if job.new.webhook_url:
            self._enqueue(job.id, job.new.webhook_url, job_summary(self._job_record(job)), now)

    def _held(self, unit_id: str, item_id: int, now: datetime) -> MutableItem | None:
        item = self._items.get(item_id)
        if item is None or item.state != "running" or item.unit_id != unit_id:
            return None
        return item if item.lease_expires_at is not None and item.lease_expires_at > now else None

    def _unit_items(self, unit_id: str) -> list[MutableItem]:
        return [self._items[i] for i in sorted(self._running) if self._items[i].unit_id == unit_id]

    def _job_items(self, job: MutableJob, *states: ItemState) -> list[MutableItem]:
        return [item for i in job.item_ids if (item := self._items[i]).state in states]

    def _job_record(self, job: MutableJob) -> JobRecord:
        new = job.new
        return JobRecord(
            job.id, new.kind, job.state, new.priority, new.owner, new.prefix, new.save, new.micro_batch,
            new.webhook_url, new.max_attempts, json_copy(job.request), len(job.item_ids), dict(job.counts),
            job.created_at, job.started_at, job.finished_at, job.error,
            sum(item.progress for i in self._running if (item := self._items[i]).job_id == job.id),
            json_copy(job.grid), job.grid_artifact_id if job.grid_due is None else None,
        )  # fmt: skip


def _due(item: MutableItem, now: datetime) -> bool:
    """Whether a pending item may be claimed now (not waiting out a storage failure's delay)."""
    return item.retry_at is None or item.retry_at <= now
