"""The `JobStore` contract for remote models (`kiln.remote`): local workers never claim their items and a provider
worker claims only its namespace's; the remote id an item started is kept across lost leases (so the next claim
resumes it) and cleared by a retry; remote costs are summed per owner; an idempotency key makes one job per owner."""

from __future__ import annotations

from datetime import timedelta

from kiln.jobs.records import NewJob
from tests.store.conftest import LEASE, FakeClock, Store, artifact, claim, claimed, complete_all, items


def test_local_and_remote_workers_never_claim_each_others_items(store: Store) -> None:
    job = store.create_job(
        NewJob(), [*items(2), *items(2, start=2, model="openai:dall-e-3"), *items(1, start=4, model="replicate:a/b")]
    )
    assert claimed(claim(store)) == [(job.id, 0), (job.id, 1)]
    assert store.claim("local", max_items=10, lease_seconds=LEASE) is None
    assert claimed(claim(store, backend="openai")) == [(job.id, 2), (job.id, 3)]
    assert store.claim("openai", max_items=10, lease_seconds=LEASE, backend="openai") is None
    assert claimed(claim(store, backend="replicate")) == [(job.id, 4)]
    assert store.claim("replicate", max_items=10, lease_seconds=LEASE, backend="replicate") is None


def test_the_remote_id_outlives_a_lost_lease_and_a_retry_clears_it(store: Store, clock: FakeClock) -> None:
    job = store.create_job(NewJob(max_attempts=5), items(1, model="openai:x"))
    unit = claim(store, backend="openai")
    [record] = unit.items
    assert record.remote_id is None
    assert store.set_remote(unit.id, record.id, "req-1")
    assert not store.set_remote("another-unit", record.id, "req-2")  # only the unit that holds it
    clock.advance(LEASE + 1)
    assert not store.set_remote(unit.id, record.id, "req-3")  # nor once its lease ran out
    assert store.expire_leases() == 1
    again = claim(store, backend="openai")
    assert [r.remote_id for r in again.items] == ["req-1"]
    assert store.fail_item(again.id, record.id, "remote: the model refused the prompt")
    store.retry_job(job.id)
    assert [r.remote_id for r in claim(store, backend="openai").items] == [None]


def test_remote_costs_are_summed_per_owner_since_a_time(store: Store, clock: FakeClock) -> None:
    start = clock.now
    alice = store.create_job(NewJob(owner="alice"), items(3, model="openai:x"))
    unit = claim(store, backend="openai")
    assert {r.job_id for r in unit.items} == {alice.id}
    for record, cost in zip(unit.items, (0.25, 0.5, None), strict=True):
        assert store.set_remote(unit.id, record.id, f"r{record.index}", cost_usd=cost)
    complete_all(store, unit)
    bob = store.create_job(NewJob(owner="bob"), items(1, model="openai:x"))
    unit = claim(store, backend="openai")
    assert claimed(unit) == [(bob.id, 0)] and store.set_remote(unit.id, unit.items[0].id, "b", cost_usd=2.0)
    assert store.remote_cost_since("alice", start) == 0.75
    assert store.remote_cost_since("bob", start) == 0.0  # not finished yet
    assert store.remote_cost_since("alice", start + timedelta(hours=1)) == 0.0


def test_an_idempotency_key_makes_one_job_per_owner(store: Store) -> None:
    first = store.create_job(NewJob(owner="alice", idempotency_key="k1"), items(1))
    again = store.create_job(NewJob(owner="alice", idempotency_key="k1"), items(2))
    assert again.id == first.id and again.total == 1
    assert store.images_since("alice", first.created_at - timedelta(seconds=1)) == 1  # charged once
    other_owner = store.create_job(NewJob(owner="bob", idempotency_key="k1"), items(1))
    other_key = store.create_job(NewJob(owner="alice", idempotency_key="k2"), items(1))
    assert len({first.id, other_owner.id, other_key.id}) == 3
    unit = claim(store)
    assert store.complete_item(unit.id, unit.items[0].id, artifact("a.png"))
