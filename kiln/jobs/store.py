"""The job store protocol: the single source of truth for jobs, items, leases, artifacts and events.

Implementations: `kiln.jobs.sql.SqlStore` (SQLite in WAL mode, or PostgreSQL) and `kiln.jobs.memory.MemoryStore`
(tests). One contract suite (`tests/store/`) runs against all of them.

Rules every implementation keeps:
- `create_job` writes the job and all its items in one transaction, with the owner's charge (`kiln.jobs.quota`:
  the job's cost, by default its item count, recorded in the usage ledger; with a quota, checked first in the same
  atomic step, `QuotaExceeded` (or `OverQuota`: the job is bigger than the whole quota) writing nothing).
- `claim` takes up to `max_items` pending items that share a signature, across jobs: the signature of the best
  pending item (highest priority, then oldest job, then lowest index), then the best items of that signature.
  An item whose earlier attempt killed its worker (`attempts > 0`) is claimed alone, so a poison pill cannot
  take batch-mates down with it. A job's `micro_batch` caps every unit holding its items: the best item's job
  caps `max_items`, and a batch-mate whose job asks for fewer items than the unit already holds is skipped
  (`kiln.jobs.lifecycle.fit_micro_batches`). Claimed items become `running` under a lease until
  `lease_expires_at`.
- `expire_leases` returns items of expired leases to `pending` with `attempts + 1`; an item reaching the job's
  `max_attempts` becomes `failed` with the reason recorded. The rest of its job goes on.
- `complete_item` records the artifact and marks the item done in one transaction, only if the unit still holds
  the item's lease (a late worker whose lease expired gets False and must not count its result).
- A job is `running` from its first claim; when every item is final it becomes `completed` (at least one item
  done), `failed` (none done) or stays `canceled`. Each state change appends an event in the same transaction.
- `storage_failed` is for an item whose file could not be stored (a full or read-only disk): not the item's fault,
  yet not to be retried for ever. It counts an attempt; below the job's `max_attempts` the item goes back to
  `pending` and is not claimed again for `retry_in` seconds, else it becomes `failed`; either way with the reason
  on the item and, while the job runs, on the job (`JobRecord.error`, cleared when a retried item of the job is
  done). Each call adds one to `stats().storage_errors`, a count that outlives deleted jobs.
- `set_priority` gives a job that is not final a new priority: its items not yet claimed are claimed by it from
  then on (so are any it later retries or gets back from a lost lease). A final job changes nothing: the record
  returned says its state, and callers refuse the change.
- Fair share between owners at one priority: `kiln.jobs.fair_share`.
- Grid jobs (`NewJob.grid`) owe a grid image once `completed`: `claim_grid` hands one such job (or the one named)
  to one maker at a time under a lease, so a maker that dies leaves it to the next after `lease_seconds`;
  `record_grid` records the image as the job's artifact with no item (index = the job's total) and sets
  `JobRecord.grid_artifact_id`, once: a second record while none is owed returns None. `retry_job` makes a grid
  owed again (the same artifact is updated in place when it is made again); `delete_job` returns its key too.
- The gallery's rules (an owner's artifacts across jobs, stars, boards): `kiln.jobs.gallery`.
- `stats` counts jobs and items by state and artifacts, and lists the run time (`finished_at - started_at`) of
  items done within the last `window_seconds`, most recent first, at most `max_durations` of them.
- `record_rate` and `signature_rates` keep each signature's recent seconds per image (`kiln.jobs.rates`).
- Remote models (`kiln.remote.models`: `replicate:…`, `openai:…`): `claim(backend=None)` (a local worker) never
  takes their items, and `claim(backend="openai")` takes only that namespace's. `set_remote` stores the remote work an
  item started (and what it cost) while the unit holds it; the item keeps it across lost leases and restarts (its
  `ItemRecord.remote_id`), so the next claim resumes that work; `retry_job` clears it. `remote_cost_since` sums an
  owner's remote costs of items finished since then.
- A `NewJob` with an `idempotency_key` its owner used before returns that job from `create_job`, writing and
  charging nothing (one job per owner and key, even when two submits race); `job_for_key` finds it.
- `waiting_models` lists the distinct models of a job's pending items, sorted, at most `limit` (an unknown job:
  none), which the API compares with the live workers' pools (`kiln.jobs.pools`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, Protocol

from kiln.jobs.gallery import GalleryStore
from kiln.jobs.quota import Charge
from kiln.jobs.rates import SignatureRate
from kiln.jobs.records import (
    ArtifactRecord,
    EventRecord,
    ItemRecord,
    ItemState,
    JobRecord,
    JobState,
    NewArtifact,
    NewJob,
    StoreStats,
    WorkUnit,
)
from kiln.task_item import WorkItem

__all__ = ["MAX_WAITING_MODELS", "JobStore"]

MAX_WAITING_MODELS = 16  # models of one job's pending items that `waiting_models` lists at most


class JobStore(GalleryStore, Protocol):
    # jobs
    def create_job(self, job: NewJob, items: Sequence[WorkItem], *, charge: Charge | None = None) -> JobRecord: ...
    def get_job(self, job_id: str, *, owner: str | None = None) -> JobRecord | None: ...
    def job_for_key(self, owner: str | None, idempotency_key: str) -> JobRecord | None: ...
    def list_jobs(
        self,
        *,
        owner: str | None = None,
        states: Collection[JobState] | None = None,
        limit: int = 50,
        before: str | None = None,  # a job id: newest first, jobs created before that one
    ) -> list[JobRecord]: ...
    def list_items(
        self, job_id: str, *, states: Collection[ItemState] | None = None, offset: int = 0, limit: int = 100
    ) -> list[ItemRecord]: ...
    def cancel_job(self, job_id: str) -> JobRecord | None: ...
    def retry_job(self, job_id: str) -> JobRecord | None: ...
    def set_priority(self, job_id: str, priority: int) -> JobRecord | None: ...
    def delete_job(self, job_id: str) -> list[str] | None: ...  # storage keys of its artifacts, to delete
    def images_since(self, owner: str, since: datetime) -> int: ...  # the owner's charges (usage ledger)

    # work
    def claim(
        self,
        worker_id: str,
        *,
        max_items: int,
        lease_seconds: float,
        models: Collection[str] | None = None,
        backend: str | None = None,
    ) -> WorkUnit | None: ...
    def set_remote(self, unit_id: str, item_id: int, remote_id: str, *, cost_usd: float | None = None) -> bool: ...
    def remote_cost_since(self, owner: str, since: datetime) -> float: ...
    def heartbeat(self, unit_id: str, *, lease_seconds: float) -> list[int]: ...  # ids still held (not canceled)
    def complete_item(self, unit_id: str, item_id: int, artifact: NewArtifact) -> bool: ...
    def fail_item(self, unit_id: str, item_id: int, error: str) -> bool: ...
    def release_unit(self, unit_id: str) -> int: ...  # graceful stop: running items back to pending, no attempt
    def storage_failed(
        self, unit_id: str, item_id: int, error: str, *, retry_in: float
    ) -> ItemState | None: ...  # the item's new state; None when the unit no longer holds it
    def expire_leases(self) -> int: ...
    def pending_count(self) -> int: ...
    def waiting_models(self, job_id: str, *, limit: int = MAX_WAITING_MODELS) -> list[str]: ...
    def stats(self, *, window_seconds: float = 3600.0, max_durations: int = 5000) -> StoreStats: ...

    # rates (seconds per image by signature key, for estimates)
    def record_rate(self, signature: str, seconds_per_image: float) -> None: ...
    def signature_rates(self, signatures: Collection[str]) -> dict[str, SignatureRate]: ...

    # artifacts and events
    def list_artifacts(self, job_id: str) -> list[ArtifactRecord]: ...
    def get_artifact(self, artifact_id: str) -> ArtifactRecord | None: ...
    def append_event(self, job_id: str, type: str, data: dict[str, Any]) -> EventRecord: ...
    def events_after(self, job_id: str, after_id: int, *, limit: int = 500) -> list[EventRecord]: ...

    # grid images
    def claim_grid(self, *, lease_seconds: float, job_id: str | None = None) -> JobRecord | None: ...
    def record_grid(self, job_id: str, artifact: NewArtifact) -> ArtifactRecord | None: ...
