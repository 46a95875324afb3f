"""The `JobStore` contract for files that could not be stored (`storage_failed`): an attempt counted, the item
retried after a delay (or failed past `max_attempts`), the reason on the item and its job, and a running count."""

from __future__ import annotations

from kiln.jobs.records import NewJob
from tests.store.conftest import FakeClock, Store, artifact, claim, items, job


def test_a_storage_failure_counts_an_attempt_and_delays_the_retry(store: Store, clock: FakeClock) -> None:
    created = store.create_job(NewJob(max_attempts=3), items(2))
    unit = claim(store)
    first, second = unit.items
    reason = "storage error: Read-only file system (errno 30)"
    assert store.storage_failed(unit.id, first.id, reason, retry_in=10) == "pending"
    assert store.complete_item(unit.id, second.id, artifact("b.png"))  # its batch-mate is not held back
    [retried] = store.list_items(created.id, states=["pending"])
    assert (retried.index, retried.attempts, retried.error) == (0, 1, reason)
    shown = job(store, created.id)
    assert shown.state == "running" and shown.error is not None
    assert reason in shown.error and "attempt 1 of 3" in shown.error and "retrying in 10 s" in shown.error
    assert store.claim("worker-1", max_items=10, lease_seconds=30) is None  # not before its delay
    clock.advance(10)
    again = claim(store)
    assert [i.index for i in again.items] == [0]
    assert store.complete_item(again.id, again.items[0].id, artifact("a.png"))
    done = job(store, created.id)
    assert (done.state, done.error) == ("completed", None)
    assert store.stats().storage_errors == 1


def test_past_max_attempts_the_item_fails_with_the_reason(store: Store, clock: FakeClock) -> None:
    created = store.create_job(NewJob(max_attempts=2), items(1))
    reason = "storage error: No space left on device (errno 28)"
    unit = claim(store)
    assert store.storage_failed(unit.id, unit.items[0].id, reason, retry_in=1) == "pending"
    clock.advance(1)
    unit = claim(store)
    assert store.storage_failed(unit.id, unit.items[0].id, reason, retry_in=2) == "failed"
    [failed] = store.list_items(created.id)
    assert (failed.state, failed.attempts, failed.error) == ("failed", 2, reason)
    final = job(store, created.id)
    assert final.state == "failed" and final.error is not None and reason in final.error
    assert store.stats().storage_errors == 2


def test_a_unit_that_lost_the_item_changes_nothing_but_the_count(store: Store, clock: FakeClock) -> None:
    created = store.create_job(NewJob(), items(1))
    unit = claim(store)
    clock.advance(60)  # the lease expired
    assert store.storage_failed(unit.id, unit.items[0].id, "storage error: x", retry_in=1) is None
    [item] = store.list_items(created.id)
    assert (item.state, item.attempts) == ("running", 0)
    assert store.stats().storage_errors == 1


def test_the_count_outlives_deleted_jobs(store: Store) -> None:
    created = store.create_job(NewJob(), items(1))
    unit = claim(store)
    store.storage_failed(unit.id, unit.items[0].id, "storage error: x", retry_in=1)
    store.delete_job(created.id)
    assert store.stats().storage_errors == 1
