"""Rules both stores share: how a job settles, what its events and webhook payload say.

Details of `kiln.jobs.store`'s rules that both implementations keep (and `tests/store/` checks):
- A lease is held while `lease_expires_at > now`: `complete_item`, `fail_item` and `heartbeat` refuse an expired
  lease even before `expire_leases` reaps it. `fail_item` fails the item for good (no attempt counted).
- `cancel_job` cancels pending items and finishes the job at once (its webhook is enqueued then); its running
  items stay with their unit, which `heartbeat` no longer lists. Such an item may still be completed (its file
  is kept); `release_unit` and `expire_leases` cancel the rest. Canceling a final job changes nothing.
- `retry_job` moves failed and canceled items to pending with no attempts and no error; the job becomes
  `running` if an item is done or running, else `queued`. With nothing to retry it changes nothing.
- `images_since` sums the owner's charges made at or after `since`, whatever became of their jobs (deleted
  included): usage counts what was accepted.
- `delete_job` keeps the job's webhook deliveries: they tell about a job that did finish.

Events (`EventRecord.type`, `data`):
- `job.state`: `{"state", "total", "counts"}`, plus `"error"` for a failed job. Appended when a job is created
  (queued), first claimed (running), settles (completed/failed), is canceled, or is retried. Cancel and retry
  change many items at once; their item changes are told by this event's counts, not one event per item.
- `item.state`: `{"item_id", "index", "state", "attempts"}`, plus `"error"` (failed, or back to pending after a
  lost lease) and `"artifact_id"` (done). Appended when a unit claims, completes, fails or releases an item and
  when a lease expires.
- `item.progress`: `{"step", "steps", "items"}` (item indexes), plus `"message"`; appended by workers. The store
  also keeps `step / steps` as the latest fraction done of those items while they run (reset when they move), so
  a job's `progress` and ETA move between finished items; `reported_progress` reads it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from kiln.jobs.records import ItemState, JobRecord, JobState
from kiln.task_item import WorkItem

__all__ = [
    "ITEM_STATES",
    "JOB_STATES",
    "check_items",
    "empty_counts",
    "empty_job_counts",
    "failed_job_error",
    "fit_micro_batches",
    "item_event",
    "job_event",
    "job_summary",
    "lost_lease_error",
    "reported_progress",
    "retry_state",
    "settled_state",
    "storage_job_error",
    "unit_cap",
]

ITEM_STATES: tuple[ItemState, ...] = ("pending", "running", "done", "failed", "canceled")
JOB_STATES: tuple[JobState, ...] = ("queued", "running", "completed", "failed", "canceled")
_T = TypeVar("_T")


def check_items(items: Sequence[WorkItem]) -> None:
    """Refuses a job without items, or with two items of one index."""
    if not items:
        raise ValueError("a job needs at least one item")
    if len({item.index for item in items}) != len(items):
        raise ValueError("item indexes must be unique within a job")


def empty_counts() -> dict[str, int]:
    return dict.fromkeys(ITEM_STATES, 0)


def empty_job_counts() -> dict[str, int]:
    return dict.fromkeys(JOB_STATES, 0)


def unit_cap(max_items: int, micro_batch: int | None) -> int:
    """The most items a unit may hold when it holds an item of a job asking for `micro_batch`."""
    return max_items if micro_batch is None else min(max_items, max(micro_batch, 1))


def fit_micro_batches(candidates: Iterable[tuple[_T, int | None]], max_items: int) -> list[_T]:
    """The items of a unit: candidates (best first, each with its job's `micro_batch`) taken in order while the
    unit stays within `max_items` and within the micro-batch of every job it holds; a candidate whose job asks
    for a smaller batch than the unit already has is left for a later unit. The first candidate is always taken.
    """
    chosen: list[_T] = []
    cap = max_items
    for candidate, micro_batch in candidates:
        if len(chosen) >= cap:
            break
        limit = unit_cap(cap, micro_batch)
        if len(chosen) < limit:
            chosen.append(candidate)
            cap = limit
    return chosen


def settled_state(counts: Mapping[str, int]) -> JobState | None:
    """The final state of a job whose items are all final, or None while some are pending or running."""
    if counts.get("pending", 0) or counts.get("running", 0):
        return None
    return "completed" if counts.get("done", 0) else "failed"


def failed_job_error(total: int, first: tuple[int, str | None] | None) -> str:
    """Why a job failed, with the first failed item (index, error) as an example."""
    example = f"; item {first[0]}: {first[1]}" if first is not None and first[1] else ""
    return f"no item of {total} succeeded{example}"


def lost_lease_error(attempts: int) -> str:
    return f"its worker was lost {attempts} time(s) while running it (lease expired)"


def retry_state(attempts: int, max_attempts: int, job_state: str) -> ItemState:
    """Where an item goes after a failed attempt that was not its fault (`storage_failed`)."""
    if job_state == "canceled":
        return "canceled"
    return "failed" if attempts >= max_attempts else "pending"


def storage_job_error(index: int, error: str, attempts: int, max_attempts: int, retry_in: float) -> str:
    """What a running job says after one of its files could not be stored."""
    then = f"retrying in {retry_in:g} s" if attempts < max_attempts else "the item failed"
    return f"item {index}: {error} (attempt {attempts} of {max_attempts}; {then})"


def job_event(state: JobState, total: int, counts: Mapping[str, int], error: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"state": state, "total": total, "counts": dict(counts)}
    if error is not None:
        data["error"] = error
    return data


def item_event(
    item_id: int,
    index: int,
    state: ItemState,
    attempts: int,
    *,
    error: str | None = None,
    artifact_id: str | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {"item_id": item_id, "index": index, "state": state, "attempts": attempts}
    if error is not None:
        data["error"] = error
    if artifact_id is not None:
        data["artifact_id"] = artifact_id
    return data


def reported_progress(type: str, data: Mapping[str, Any]) -> tuple[list[int], float] | None:
    """(item indexes, fraction done in 0..1) that an `item.progress` event reports; None for any other event, or
    one without a usable `step`, `steps` and `items`."""
    if type != "item.progress":
        return None
    step, steps, items = data.get("step"), data.get("steps"), data.get("items")
    if not isinstance(step, int | float) or not isinstance(steps, int | float) or steps <= 0:
        return None
    if not isinstance(items, list):
        return None
    indexes = [index for index in items if isinstance(index, int)]
    return (indexes, min(max(step / steps, 0.0), 1.0)) if indexes else None


def job_summary(job: JobRecord) -> dict[str, Any]:
    """The webhook payload for a job that reached a final state; `error` says why a failed job failed (null
    otherwise), as the job's status does."""
    return {
        "id": job.id,
        "state": job.state,
        "total": job.total,
        "counts": dict(job.counts),
        "error": job.error if job.state == "failed" else None,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }
