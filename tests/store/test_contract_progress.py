"""A job's progress counts the work done, running items' fractions included; canceled items are not progress.

Memory, SQLite and PostgreSQL alike (the rules in `kiln.jobs.lifecycle`: `item.progress` events)."""

from __future__ import annotations

import pytest

from kiln.jobs.records import NewJob
from tests.store.conftest import LEASE, FakeClock, Store, artifact, claim, items, job


def report(store: Store, job_id: str, step: int, steps: int, indexes: list[int]) -> None:
    store.append_event(job_id, "item.progress", {"step": step, "steps": steps, "items": indexes})


def test_a_one_item_job_moves_with_its_steps(store: Store) -> None:
    created = store.create_job(NewJob(), items(1))
    unit = claim(store)
    assert job(store, created.id).progress == 0.0
    report(store, created.id, 3, 10, [0])
    running = job(store, created.id)
    assert running.progress == pytest.approx(0.3) and running.running_progress == pytest.approx(0.3)
    report(store, created.id, 47, 150, [0])  # frame 47 of 150: the latest report counts
    assert job(store, created.id).progress == pytest.approx(47 / 150)
    assert store.list_jobs()[0].progress == pytest.approx(47 / 150)  # listed the same way
    store.complete_item(unit.id, unit.items[0].id, artifact("0.png"))
    assert job(store, created.id).progress == 1.0


def test_fractions_of_running_items_add_to_finished_ones(store: Store) -> None:
    created = store.create_job(NewJob(), items(4))
    unit = claim(store, max_items=2)
    first, _ = unit.items
    store.complete_item(unit.id, first.id, artifact("0.png"))
    report(store, created.id, 1, 2, [0, 1, 3])  # 0 is done and 3 pending: only the running item 1 counts
    assert job(store, created.id).progress == pytest.approx((1 + 0.5) / 4)
    report(store, created.id, 9, 4, [1])  # a report past the end counts as a whole item, not more
    assert job(store, created.id).progress == pytest.approx(2 / 4)


def test_an_item_that_goes_back_to_the_queue_starts_again_from_zero(store: Store, clock: FakeClock) -> None:
    created = store.create_job(NewJob(), items(2))
    unit = claim(store)
    report(store, created.id, 1, 2, [0, 1])
    assert job(store, created.id).progress == pytest.approx(0.5)
    store.release_unit(unit.id)
    assert job(store, created.id).progress == 0.0
    unit = claim(store)
    assert job(store, created.id).progress == 0.0  # claimed again: nothing reported yet
    report(store, created.id, 1, 4, [0, 1])
    clock.advance(LEASE)
    store.expire_leases()
    assert job(store, created.id).progress == 0.0


def test_events_without_a_fraction_change_nothing(store: Store) -> None:
    created = store.create_job(NewJob(), items(1))
    claim(store)
    for data in ({"step": 1}, {"step": 1, "steps": 0, "items": [0]}, {"step": "a", "steps": 2, "items": [0]}, {}):
        store.append_event(created.id, "item.progress", data)
    store.append_event(created.id, "note", {"step": 1, "steps": 2, "items": [0]})
    assert job(store, created.id).progress == 0.0


def test_canceled_items_are_not_progress(store: Store) -> None:
    created = store.create_job(NewJob(), items(100))
    unit = claim(store, max_items=10)
    for item in unit.items[:8]:
        store.complete_item(unit.id, item.id, artifact(f"{item.index}.png"))
    report(store, created.id, 1, 2, [8, 9])
    canceled = store.cancel_job(created.id)
    assert canceled is not None and canceled.counts["canceled"] == 90 and canceled.counts["running"] == 2
    assert canceled.progress == pytest.approx(9 / 100)  # 8 done, two half-way; the 90 canceled are not work
    store.release_unit(unit.id)
    final = job(store, created.id)
    assert final.counts["canceled"] == 92 and final.progress == pytest.approx(8 / 100)


def test_failed_items_are_finished_work(store: Store) -> None:
    created = store.create_job(NewJob(), items(2))
    unit = claim(store)
    store.complete_item(unit.id, unit.items[0].id, artifact("0.png"))
    store.fail_item(unit.id, unit.items[1].id, "broken")
    assert job(store, created.id).progress == 1.0
