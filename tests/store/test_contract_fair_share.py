"""The `JobStore` contract for the queue's order: fair share (`kiln.jobs.fair_share`: at one priority, claims take
turns between owners, and batching by signature still holds) and changing a job's priority."""

from __future__ import annotations

from kiln.jobs.records import NewJob, WorkUnit
from tests.store.conftest import FakeClock, Store, claim, complete_all, items

BATCH = 8


def owners_of(store: Store, unit: WorkUnit) -> list[str | None]:
    return [job.owner if (job := store.get_job(i.job_id)) is not None else "gone" for i in unit.items]


def claim_all(store: Store, max_items: int = BATCH) -> list[WorkUnit]:
    """Claims (and completes) units until none is left, in order."""
    units = []
    while (unit := store.claim("worker-1", max_items=max_items, lease_seconds=30)) is not None:
        complete_all(store, unit)
        units.append(unit)
    return units


def test_a_small_job_does_not_wait_for_a_big_one_of_another_owner(store: Store, clock: FakeClock) -> None:
    big = store.create_job(NewJob(owner="key-a"), items(500))
    claim(store, max_items=BATCH)  # A's work is under way
    clock.advance(1)
    small = store.create_job(NewJob(owner="key-b"), items(4, width=128))
    units = claim_all(store)
    first_of_b = next(n for n, unit in enumerate(units) if unit.items[0].job_id == small.id)
    assert first_of_b == 0  # A was just served: B goes next
    assert [(i.job_id, i.index) for i in units[0].items] == [(small.id, n) for n in range(4)]
    # the rest is A's, in index order, in full batches
    rest = [(i.job_id, i.index) for unit in units[1:] for i in unit.items]
    assert rest == [(big.id, n) for n in range(BATCH, 500)]
    final = store.get_job(small.id)
    assert final is not None and final.state == "completed"


def test_owners_take_turns_batch_by_batch(store: Store, clock: FakeClock) -> None:
    jobs = {}
    for n, owner in enumerate(["key-a", "key-b", "key-c"]):
        jobs[owner] = store.create_job(NewJob(owner=owner), items(3 * BATCH, width=64 + 32 * n))
        clock.advance(1)
    units = claim_all(store)
    turns = [owners_of(store, unit) for unit in units]
    assert all(len(set(turn)) == 1 and len(turn) == BATCH for turn in turns)  # full batches of one owner each
    assert [turn[0] for turn in turns] == ["key-a", "key-b", "key-c"] * 3
    for owner, job in jobs.items():  # each owner's items in index order
        indexes = [i.index for unit in units for i in unit.items if i.job_id == job.id]
        assert indexes == list(range(3 * BATCH)), owner


def test_a_unit_holds_several_owners_items_of_one_signature(store: Store, clock: FakeClock) -> None:
    big = store.create_job(NewJob(owner="key-a"), items(40))
    clock.advance(1)
    small = store.create_job(NewJob(owner="key-b"), items(3))
    first = claim(store, max_items=BATCH)  # neither served yet: by owner name, A, and A's own items fill it
    assert [(i.job_id, i.index) for i in first.items] == [(big.id, n) for n in range(BATCH)]
    second = claim(store, max_items=BATCH)  # B's turn: B's three items lead, A's fill the batch
    expected = [(small.id, n) for n in range(3)] + [(big.id, n) for n in range(BATCH, 2 * BATCH - 3)]
    assert sorted((i.job_id, i.index) for i in second.items) == sorted(expected)  # the unit lists them in claim order
    assert len({i.item.signature() for i in second.items}) == 1


def test_priority_wins_over_turns(store: Store, clock: FakeClock) -> None:
    urgent = store.create_job(NewJob(owner="key-a", priority=5), items(20))
    claim(store, max_items=BATCH)  # A served
    clock.advance(1)
    later = store.create_job(NewJob(owner="key-b"), items(4, width=128))
    units = claim_all(store)
    order = [i.job_id for unit in units for i in unit.items]
    assert order == [urgent.id] * (20 - BATCH) + [later.id] * 4
    clock.advance(1)
    store.create_job(NewJob(owner="key-a"), items(8))
    top = store.create_job(NewJob(owner="key-b", priority=1), items(8, width=128))
    assert {i.job_id for i in claim(store, max_items=BATCH).items} == {top.id}  # B was served last, yet higher


def test_each_turn_batches_by_signature(store: Store, clock: FakeClock) -> None:
    mixed = [*items(6), *items(6, start=6, width=128)]  # two signatures, in one job
    a = store.create_job(NewJob(owner="key-a"), mixed)
    clock.advance(1)
    b = store.create_job(NewJob(owner="key-b"), [*items(2, width=96), *items(2, start=2, width=128)])
    units = claim_all(store, max_items=4)
    for unit in units:
        assert len({i.item.signature() for i in unit.items}) == 1
    by_job = [sorted((i.job_id, i.index) for i in unit.items) for unit in units]
    assert by_job[0] == [(a.id, n) for n in range(4)]  # A first (by name), its best signature
    assert by_job[1] == [(b.id, 0), (b.id, 1)]  # B's turn, its best signature
    assert by_job[2] == [(a.id, 4), (a.id, 5)]  # A's turn: its best item leads, then the same signature
    # B's turn: its 128 px items, filled with A's of that signature
    assert by_job[3] == sorted([(b.id, 2), (b.id, 3), (a.id, 6), (a.id, 7)])
    assert sum(len(unit.items) for unit in units) == 16


def test_no_owner_is_an_owner_too(store: Store, clock: FakeClock) -> None:
    anonymous = store.create_job(NewJob(), items(50))
    claim(store, max_items=BATCH)
    clock.advance(1)
    keyed = store.create_job(NewJob(owner="key-a"), items(2, width=128))
    assert {i.job_id for i in claim(store, max_items=BATCH).items} == {keyed.id}
    assert {i.job_id for i in claim(store, max_items=BATCH).items} == {anonymous.id}


def test_a_claim_for_other_models_skips_an_owner_it_cannot_serve(store: Store, clock: FakeClock) -> None:
    store.create_job(NewJob(owner="key-a"), items(20))
    clock.advance(1)
    store.create_job(NewJob(owner="key-b"), items(20, model="tiny-other"))
    clock.advance(1)
    c = store.create_job(NewJob(owner="key-c"), items(20))
    claim(store, max_items=BATCH, models=["tiny-sd"])  # A
    unit = claim(store, max_items=BATCH, models=["tiny-sd"])  # B's turn, but this worker can't serve B: C
    assert {i.job_id for i in unit.items} == {c.id}


# changing a job's priority


def test_a_new_priority_reorders_the_queue(store: Store, clock: FakeClock) -> None:
    first = store.create_job(NewJob(), items(4))
    clock.advance(1)
    second = store.create_job(NewJob(), items(4, width=128))
    claim(store, max_items=2)  # first's items 0 and 1 run
    changed = store.set_priority(second.id, 3)
    assert changed is not None and changed.priority == 3 and changed.state == "queued"
    assert store.get_job(second.id) == changed
    assert {i.job_id for i in claim(store).items} == {second.id}
    lowered = store.set_priority(first.id, -2)
    assert lowered is not None and lowered.priority == -2 and lowered.state == "running"
    other = store.create_job(NewJob(), items(1, width=96))
    assert {i.job_id for i in claim(store).items} == {other.id}  # priority 0 before first's -2
    assert [i.index for i in claim(store).items] == [2, 3]


def test_a_retried_item_keeps_the_new_priority(store: Store, clock: FakeClock) -> None:
    low = store.create_job(NewJob(), items(2))
    unit = claim(store)
    assert store.fail_item(unit.id, unit.items[0].id, "boom")
    assert store.set_priority(low.id, 5) is not None
    clock.advance(1)
    store.create_job(NewJob(priority=4), items(1, width=128))
    assert store.retry_job(low.id) is not None
    assert {(i.job_id, i.index) for i in claim(store).items} == {(low.id, 0)}


def test_a_final_job_keeps_its_priority(store: Store) -> None:
    done = store.create_job(NewJob(priority=1), items(1))
    complete_all(store, claim(store))
    unchanged = store.set_priority(done.id, 7)
    assert unchanged is not None and unchanged.state == "completed" and unchanged.priority == 1
    canceled = store.cancel_job(store.create_job(NewJob(), items(1)).id)
    assert canceled is not None
    kept = store.set_priority(canceled.id, 7)
    assert kept is not None and kept.priority == 0
    assert store.set_priority("01HZZZZZZZZZZZZZZZZZZZZZZZ", 1) is None
    assert store.set_priority("not an id", 1) is None
