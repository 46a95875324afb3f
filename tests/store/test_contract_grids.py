"""The `JobStore` contract for grid images: owed once a grid job completes, claimed by one maker at a time under a
lease (a maker that dies leaves it to the next), recorded once as the job's artifact with no item."""

from __future__ import annotations

from kiln.jobs.records import NewJob
from tests.store.conftest import FakeClock, Store, artifact, claim, complete_all, items, job

GRID = {"axes": [{"field": "seed", "values": [1, 2]}]}


def test_a_grid_is_owed_only_once_the_job_completes(store: Store, clock: FakeClock) -> None:
    created = store.create_job(NewJob(grid=GRID), items(2))
    assert job(store, created.id).grid == GRID and created.grid == GRID
    assert store.claim_grid(lease_seconds=30) is None  # still queued
    unit = claim(store, max_items=1)
    assert store.complete_item(unit.id, unit.items[0].id, artifact("a.png"))
    assert store.claim_grid(lease_seconds=30) is None  # still running
    complete_all(store, claim(store))
    claimed = store.claim_grid(lease_seconds=30)
    assert claimed is not None and claimed.id == created.id and claimed.state == "completed"
    assert store.claim_grid(lease_seconds=30) is None  # one maker at a time
    assert store.claim_grid(lease_seconds=30, job_id=created.id) is None


def test_a_dead_makers_claim_runs_out_and_the_grid_is_recorded_once(store: Store, clock: FakeClock) -> None:
    created = store.create_job(NewJob(grid=GRID), items(2))
    complete_all(store, claim(store))
    assert store.claim_grid(lease_seconds=10, job_id=created.id) is not None
    clock.advance(9)
    assert store.claim_grid(lease_seconds=10) is None
    clock.advance(2)  # the maker died: its claim ran out
    assert store.claim_grid(lease_seconds=10) is not None
    recorded = store.record_grid(created.id, artifact("grid.png", kind="grid"))
    assert recorded is not None
    assert (recorded.item_id, recorded.index, recorded.storage_key) == (None, 2, "grid.png")
    assert store.record_grid(created.id, artifact("grid.png")) is None  # the late first maker records nothing
    shown = job(store, created.id)
    assert shown.grid_artifact_id == recorded.id
    assert [a.item_id for a in store.list_artifacts(created.id)][-1] is None
    assert store.get_artifact(recorded.id) == recorded
    clock.advance(60)
    assert store.claim_grid(lease_seconds=10) is None  # made: owed no more
    keys = store.delete_job(created.id)
    assert keys is not None and keys[-1] == "grid.png" and len(keys) == 3


def test_a_retried_grid_job_owes_its_grid_again_and_keeps_one_artifact(store: Store, clock: FakeClock) -> None:
    created = store.create_job(NewJob(grid=GRID), items(2))
    unit = claim(store)
    assert store.complete_item(unit.id, unit.items[0].id, artifact("a.png"))
    assert store.fail_item(unit.id, unit.items[1].id, "boom")
    assert store.claim_grid(lease_seconds=10) is not None
    first = store.record_grid(created.id, artifact("grid.png", version=1))
    assert first is not None
    store.retry_job(created.id)
    assert job(store, created.id).grid_artifact_id is None  # stale until made again
    assert store.claim_grid(lease_seconds=10) is None  # running again
    complete_all(store, claim(store))
    assert store.claim_grid(lease_seconds=10) is not None
    second = store.record_grid(created.id, artifact("grid.png", version=2))
    assert second is not None and second.id == first.id and second.metadata["version"] == 2
    assert [a.id for a in store.list_artifacts(created.id) if a.item_id is None] == [first.id]


def test_jobs_without_a_grid_owe_nothing(store: Store) -> None:
    created = store.create_job(NewJob(), items(1))
    complete_all(store, claim(store))
    assert job(store, created.id).grid is None
    assert store.claim_grid(lease_seconds=10) is None
    assert store.record_grid(created.id, artifact("grid.png")) is None
    assert store.record_grid("not-an-id", artifact("grid.png")) is None
    assert store.claim_grid(lease_seconds=10, job_id="not-an-id") is None
