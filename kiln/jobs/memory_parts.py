"""What `kiln.jobs.memory.MemoryStore` is built from: its mutable rows, the in-memory keys and outbox, and the
worker registry."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from kiln.jobs.ids import Clock, new_id, utc_now
from kiln.jobs.keys import ApiKeyRecord, display_prefix, hash_token, new_token
from kiln.jobs.lifecycle import empty_counts
from kiln.jobs.outbox import WebhookDelivery
from kiln.jobs.records import ItemRecord, ItemState, JobState, NewJob
from kiln.jobs.workers import FORGET_AFTER, WorkerRecord
from kiln.task_item import WorkItem

__all__ = ["MemoryKeysAndOutbox", "MemoryWorkers", "MutableItem", "MutableJob", "item_record", "json_copy"]


def json_copy(value: Any) -> Any:
    """A deep copy through JSON: what a SQL store would give back (and refuse)."""
    return json.loads(json.dumps(value))


@dataclass(slots=True)
class MutableJob:
    """A job as `MemoryStore` keeps it; counts are kept up to date as items move."""

    id: str
    new: NewJob
    request: dict[str, Any]
    created_at: datetime
    item_ids: list[int]  # in index order
    state: JobState = "queued"
    counts: dict[str, int] = field(default_factory=empty_counts)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None
    last_unit: str | None = None  # the unit that last claimed one of its items (fair share)
    grid: dict[str, Any] | None = None
    grid_due: datetime | None = None  # a grid image is owed, and may be claimed from then (see `claim_grid`)
    grid_artifact_id: str | None = None


@dataclass(slots=True)
class MutableItem:
    """An item as `MemoryStore` keeps it, with its lease."""

    id: int
    job_id: str
    item: WorkItem
    signature: str
    rank: tuple[int, datetime, str, int]  # claim order: -priority, job created, job id, index
    state: ItemState = "pending"
    attempts: int = 0
    error: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    unit_id: str | None = None
    worker_id: str | None = None
    lease_expires_at: datetime | None = None
    progress: float = 0.0  # the latest fraction done while running
    retry_at: datetime | None = None  # after a storage failure: not claimed again before then
    remote_id: str | None = None  # the remote work it started
    remote_cost_usd: float | None = None


def item_record(item: MutableItem) -> ItemRecord:
    return ItemRecord(
        item.id, item.job_id, item.item.index, item.state, item.item, item.attempts, item.error,
        item.started_at, item.finished_at, item.remote_id,
    )  # fmt: skip


class MemoryKeysAndOutbox:
    """API keys and webhook deliveries in dicts; `lock` guards them (and whatever a subclass adds)."""

    def __init__(self, *, clock: Clock = utc_now, lock: threading.RLock | None = None) -> None:
        self._clock = clock
        self._lock = lock or threading.RLock()
        self._keys: dict[str, ApiKeyRecord] = {}
        self._key_ids: dict[str, str] = {}  # token hash -> key id
        self._webhooks: dict[int, WebhookDelivery] = {}
        self._next_webhook_id = 1

    # keys
    def create_key(self, name: str, quota_per_day: int | None = None) -> tuple[ApiKeyRecord, str]:
        token = new_token()
        with self._lock:
            now = self._clock()
            record = ApiKeyRecord(new_id(now), name, display_prefix(token), quota_per_day, now)
            self._keys[record.id] = record
            self._key_ids[hash_token(token)] = record.id
            return record, token

    def authenticate(self, token: str) -> ApiKeyRecord | None:
        with self._lock:
            key_id = self._key_ids.get(hash_token(token))
            record = self._keys.get(key_id) if key_id is not None else None
            return record if record is not None and record.active else None

    def get_key(self, key_id: str) -> ApiKeyRecord | None:
        with self._lock:
            return self._keys.get(key_id)

    def list_keys(self) -> list[ApiKeyRecord]:
        with self._lock:
            return sorted(self._keys.values(), key=lambda k: k.id)

    def revoke_key(self, key_id: str) -> bool:
        with self._lock:
            record = self._keys.get(key_id)
            if record is None:
                return False
            if record.active:
                self._keys[key_id] = dataclasses.replace(record, revoked_at=self._clock())
            return True

    # webhooks
    def enqueue_webhook(self, job_id: str, url: str, payload: dict[str, Any]) -> int:
        with self._lock:
            return self._enqueue(job_id, url, payload, self._clock())

    def due_webhooks(self, limit: int = 100) -> list[WebhookDelivery]:
        with self._lock:
            now = self._clock()
            due = [d for d in self._webhooks.values() if d.state == "pending" and d.next_attempt_at <= now]
            return sorted(due, key=lambda d: (d.next_attempt_at, d.id))[:limit]

    def list_webhooks(self, job_id: str) -> list[WebhookDelivery]:
        with self._lock:
            return [d for d in self._webhooks.values() if d.job_id == job_id]

    def mark_delivered(self, delivery_id: int) -> None:
        with self._lock:
            self._update_webhook(delivery_id, state="delivered", delivered_at=self._clock())

    def mark_retry(self, delivery_id: int, error: str, next_attempt_at: datetime) -> None:
        with self._lock:
            self._update_webhook(delivery_id, last_error=error, next_attempt_at=next_attempt_at)

    def mark_dead(self, delivery_id: int, error: str) -> None:
        with self._lock:
            self._update_webhook(delivery_id, state="dead", last_error=error)

    def _enqueue(self, job_id: str, url: str, payload: dict[str, Any], now: datetime) -> int:
        delivery_id = self._next_webhook_id
        self._next_webhook_id += 1
        copied = json.loads(json.dumps(payload))
        delivery = WebhookDelivery(delivery_id, job_id, url, copied, "pending", 0, now, None, now, None)
        self._webhooks[delivery_id] = delivery
        return delivery_id

    def _update_webhook(self, delivery_id: int, **changes: Any) -> None:
        delivery = self._webhooks.get(delivery_id)
        if delivery is not None and delivery.state == "pending":
            changes["attempts"] = delivery.attempts + 1
            self._webhooks[delivery_id] = dataclasses.replace(delivery, **changes)


class MemoryWorkers(MemoryKeysAndOutbox):
    """Adds the worker registry: one `WorkerRecord` per worker id."""

    def __init__(self, *, clock: Clock = utc_now, lock: threading.RLock | None = None) -> None:
        super().__init__(clock=clock, lock=lock)
        self._workers: dict[str, WorkerRecord] = {}

    def beat(self, worker_id: str, info: Mapping[str, Any]) -> None:
        copied = json_copy(dict(info))
        with self._lock:
            now = self._clock()
            known = self._workers.get(worker_id)
            self._workers[worker_id] = WorkerRecord(worker_id, copied, known.started_at if known else now, now)
            for stale in [w for w in self._workers.values() if w.last_seen < now - FORGET_AFTER]:
                del self._workers[stale.worker_id]

    def live_workers(self, within_seconds: float) -> list[WorkerRecord]:
        with self._lock:
            since = self._clock() - timedelta(seconds=within_seconds)
            return sorted((w for w in self._workers.values() if w.last_seen >= since), key=lambda w: w.worker_id)

    def remove_worker(self, worker_id: str) -> None:
        with self._lock:
            self._workers.pop(worker_id, None)
