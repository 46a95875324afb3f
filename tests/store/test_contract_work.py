"""The `JobStore` contract for work: claiming units by signature, leases, heartbeats and releases."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kiln.jobs.records import NewJob
from tests.helpers import make_item
from tests.store.conftest import (
    LEASE,
    FakeClock,
    Store,
    add_jobs_for_claimers,
    artifact,
    claim,
    claimed,
    complete_all,
    items,
    job,
    run_claimers,
)

# claiming


def test_claim_groups_one_signature_across_jobs(store: Store, clock: FakeClock) -> None:
    first = store.create_job(NewJob(), [*items(2), *items(2, start=2, width=128)])
    clock.advance(1)
    second = store.create_job(NewJob(), items(3))
    unit = claim(store, max_items=10)
    assert claimed(unit) == [(first.id, 0), (first.id, 1), (second.id, 0), (second.id, 1), (second.id, 2)]
    assert {i.item.signature() for i in unit.items} == {make_item(0).signature()}
    assert unit.worker_id == "worker-1" and unit.lease_expires_at == clock.now + timedelta(seconds=LEASE)
    assert all(i.state == "running" for i in unit.items)
    assert claimed(claim(store)) == [(first.id, 2), (first.id, 3)]
    assert store.claim("worker-1", max_items=10, lease_seconds=LEASE) is None


def test_claim_takes_priority_then_the_oldest_job(store: Store, clock: FakeClock) -> None:
    old = store.create_job(NewJob(), items(1, width=96))
    clock.advance(1)
    newer = store.create_job(NewJob(), items(1, width=128))
    clock.advance(1)
    urgent = store.create_job(NewJob(priority=5), items(1, width=160))
    assert claimed(claim(store)) == [(urgent.id, 0)]
    assert claimed(claim(store)) == [(old.id, 0)]
    assert claimed(claim(store)) == [(newer.id, 0)]


def test_claim_respects_max_items_in_index_order(store: Store) -> None:
    created = store.create_job(NewJob(), items(5))
    assert claimed(claim(store, max_items=2)) == [(created.id, 0), (created.id, 1)]
    assert claimed(claim(store, max_items=2)) == [(created.id, 2), (created.id, 3)]
    assert claimed(claim(store, max_items=2)) == [(created.id, 4)]
    with pytest.raises(ValueError):
        store.claim("w", max_items=0, lease_seconds=LEASE)


def test_claim_filters_by_model(store: Store) -> None:
    sd = store.create_job(NewJob(priority=9), items(2))
    other = store.create_job(NewJob(), items(2, model="tiny-other"))
    assert claimed(claim(store, models={"tiny-other"})) == [(other.id, 0), (other.id, 1)]
    assert store.claim("w", max_items=5, lease_seconds=LEASE, models=["tiny-other"]) is None
    assert store.claim("w", max_items=5, lease_seconds=LEASE, models=[]) is None
    assert claimed(claim(store, models=["tiny-sd", "tiny-other"])) == [(sd.id, 0), (sd.id, 1)]


def test_a_suspect_item_is_claimed_alone(store: Store, clock: FakeClock) -> None:
    created = store.create_job(NewJob(), items(3))
    claim(store, max_items=1)  # item 0, whose worker dies
    clock.advance(LEASE + 1)
    assert store.expire_leases() == 1
    assert claimed(claim(store, max_items=10)) == [(created.id, 0)]  # the best item, alone
    assert claimed(claim(store, max_items=10)) == [(created.id, 1), (created.id, 2)]


def test_a_suspect_item_does_not_join_a_batch(store: Store, clock: FakeClock) -> None:
    first = store.create_job(NewJob(), items(2))
    unit = claim(store, max_items=2)
    store.complete_item(unit.id, unit.items[0].id, artifact("a.png"))
    clock.advance(LEASE + 1)
    store.expire_leases()  # item 1 becomes a suspect
    urgent = store.create_job(NewJob(priority=1), items(2))
    assert claimed(claim(store, max_items=10)) == [(urgent.id, 0), (urgent.id, 1)]
    assert claimed(claim(store, max_items=10)) == [(first.id, 1)]


# leases


def test_an_expired_lease_returns_items_with_an_attempt_counted(store: Store, clock: FakeClock) -> None:
    created = store.create_job(NewJob(), items(2))
    claim(store)
    clock.advance(LEASE - 1)
    assert store.expire_leases() == 0
    clock.advance(1)
    assert store.expire_leases() == 2
    returned = store.list_items(created.id)
    assert [(i.state, i.attempts) for i in returned] == [("pending", 1), ("pending", 1)]
    assert all(i.error and "lease expired" in i.error for i in returned)
    assert store.pending_count() == 2
    assert job(store, created.id).state == "running"


def test_max_attempts_fails_the_item_and_the_job_goes_on(store: Store, clock: FakeClock) -> None:
    created = store.create_job(NewJob(max_attempts=2), items(3))
    for _ in range(2):
        assert claimed(claim(store, max_items=1)) == [(created.id, 0)]
        clock.advance(LEASE)
        assert store.expire_leases() == 1
    poisoned = store.list_items(created.id)[0]
    assert (poisoned.state, poisoned.attempts) == ("failed", 2)
    assert poisoned.error and "2 time(s)" in poisoned.error and poisoned.finished_at == clock.now
    complete_all(store, claim(store))
    finished = job(store, created.id)
    assert finished.state == "completed" and finished.counts["done"] == 2 and finished.counts["failed"] == 1
    assert finished.progress == 1.0


def test_a_late_worker_cannot_complete_or_fail(store: Store, clock: FakeClock) -> None:
    created = store.create_job(NewJob(), items(2))
    unit = claim(store)
    clock.advance(LEASE)  # expired, not yet reaped
    assert not store.complete_item(unit.id, unit.items[0].id, artifact("late.png"))
    assert not store.fail_item(unit.id, unit.items[1].id, "boom")
    store.expire_leases()
    assert not store.complete_item(unit.id, unit.items[0].id, artifact("late.png"))
    assert store.list_artifacts(created.id) == []
    assert [i.state for i in store.list_items(created.id)] == ["pending", "pending"]


def test_only_the_holding_unit_completes_an_item(store: Store) -> None:
    store.create_job(NewJob(), items(2))
    first = claim(store, max_items=1)
    second = claim(store, max_items=1)
    assert not store.complete_item(second.id, first.items[0].id, artifact("x.png"))
    assert not store.complete_item("no-such-unit", first.items[0].id, artifact("x.png"))
    assert not store.complete_item(first.id, 10**9, artifact("x.png"))
    assert store.complete_item(first.id, first.items[0].id, artifact("x.png"))
    assert not store.complete_item(first.id, first.items[0].id, artifact("again.png"))


def test_heartbeat_extends_the_lease(store: Store, clock: FakeClock) -> None:
    created = store.create_job(NewJob(), items(2))
    unit = claim(store)
    clock.advance(LEASE - 5)
    assert store.heartbeat(unit.id, lease_seconds=LEASE) == sorted(i.id for i in unit.items)
    clock.advance(LEASE - 5)  # past the first lease, within the renewed one
    assert store.expire_leases() == 0
    complete_all(store, unit)
    assert job(store, created.id).state == "completed"
    assert store.heartbeat(unit.id, lease_seconds=LEASE) == []  # nothing held any more


def test_heartbeat_does_not_revive_an_expired_lease(store: Store, clock: FakeClock) -> None:
    store.create_job(NewJob(), items(1))
    unit = claim(store)
    clock.advance(LEASE)
    assert store.heartbeat(unit.id, lease_seconds=LEASE) == []
    assert store.expire_leases() == 1


def test_release_returns_items_without_an_attempt(store: Store) -> None:
    created = store.create_job(NewJob(), items(3))
    unit = claim(store, max_items=2)
    assert store.release_unit(unit.id) == 2
    assert [(i.state, i.attempts) for i in store.list_items(created.id)] == [("pending", 0)] * 3
    assert store.release_unit(unit.id) == 0
    assert len(claim(store).items) == 3  # not suspects: claimed together


def test_threads_sharing_one_store_never_share_an_item(store: Store) -> None:
    jobs = add_jobs_for_claimers(store)
    claimed = run_claimers([store] * 4)
    everything = sorted(item_id for ids in claimed for item_id in ids)
    assert everything == sorted({i.id for j in jobs for i in store.list_items(j.id, limit=50)})
    assert all(job(store, j.id).state == "completed" for j in jobs)


# micro-batches asked for by jobs


def test_the_best_items_micro_batch_caps_the_unit(store: Store, clock: FakeClock) -> None:
    small = store.create_job(NewJob(micro_batch=2), items(5))
    clock.advance(1)
    store.create_job(NewJob(), items(3))
    assert claimed(claim(store, max_items=10)) == [(small.id, 0), (small.id, 1)]
    assert claimed(claim(store, max_items=1)) == [(small.id, 2)]  # max_items below it still wins
    assert claimed(claim(store, max_items=10)) == [(small.id, 3), (small.id, 4)]
    assert len(claim(store, max_items=10).items) == 3  # the other job asks for nothing


def test_a_batch_mate_never_runs_in_a_larger_unit_than_its_job_asks(store: Store, clock: FakeClock) -> None:
    big = store.create_job(NewJob(), items(3))
    clock.advance(1)
    small = store.create_job(NewJob(micro_batch=2), items(3))
    clock.advance(1)
    late = store.create_job(NewJob(), items(2))
    clock.advance(1)
    # the unit holds 3 items when small's turn comes: small waits, later items of the signature join
    first = claimed(claim(store, max_items=10))
    assert first == [(big.id, 0), (big.id, 1), (big.id, 2), (late.id, 0), (late.id, 1)]
    assert claimed(claim(store, max_items=10)) == [(small.id, 0), (small.id, 1)]
    assert claimed(claim(store, max_items=10)) == [(small.id, 2)]

    lone = store.create_job(NewJob(), items(1, start=10))
    clock.advance(1)
    mid = store.create_job(NewJob(micro_batch=3), items(5))
    unit = claim(store, max_items=10)  # a batch-mate's micro-batch shrinks the unit it joins
    assert claimed(unit) == [(lone.id, 10), (mid.id, 0), (mid.id, 1)]
    for created in (big, small, late, lone, mid):
        assert job(store, created.id).micro_batch == created.micro_batch
