"""The `JobStore` contract for worker pools (`kiln.jobs.pools`): a pool's claims take only its models (and tasks
that load none), across owners taking turns; `waiting_models` lists what a job's pending items wait for."""

from __future__ import annotations

from kiln.jobs.pools import claim_keys
from kiln.jobs.records import NewJob
from kiln.task_item import TaskItem
from tests.store.conftest import LEASE, FakeClock, Store, claim, claimed, complete_all, items


def test_a_pool_claims_its_models_only_and_leaves_the_rest_queued(store: Store, clock: FakeClock) -> None:
    mixed = store.create_job(NewJob(), [*items(2), *items(3, start=2, model="tiny-flux")])
    flux_pool, sd_pool = claim_keys(["tiny-flux"]), claim_keys(["tiny-sd"])
    assert claimed(claim(store, models=flux_pool)) == [(mixed.id, 2), (mixed.id, 3), (mixed.id, 4)]
    assert store.claim("flux-worker", max_items=10, lease_seconds=LEASE, models=flux_pool) is None
    sd = claim(store, models=sd_pool)
    assert claimed(sd) == [(mixed.id, 0), (mixed.id, 1)]
    assert {record.item.model for record in sd.items} == {"tiny-sd"}


def test_a_pool_takes_tasks_that_load_no_model_but_not_other_models_tasks(store: Store) -> None:
    assembly = TaskItem(index=0, kind="assembly", request={"shots": []})
    video = TaskItem(index=1, kind="video", request={"prompt": "waves"}, model="tiny-ltx")
    job = store.create_job(NewJob(kind="assembly"), [assembly, video])
    sd_pool = claim_keys(["tiny-sd"])
    assert claimed(claim(store, models=sd_pool)) == [(job.id, 0)]
    assert store.claim("sd-worker", max_items=1, lease_seconds=LEASE, models=sd_pool) is None
    assert claimed(claim(store, models=claim_keys(["tiny-ltx"]))) == [(job.id, 1)]


def test_a_pool_skips_an_owner_whose_turn_it_cannot_serve(store: Store, clock: FakeClock) -> None:
    alice = store.create_job(NewJob(owner="alice"), items(2, model="tiny-flux"))
    clock.advance(1)
    bob = store.create_job(NewJob(owner="bob"), items(2))
    flux_pool = claim_keys(["tiny-flux"])
    assert claimed(claim(store, max_items=1, models=flux_pool)) == [(alice.id, 0)]
    # bob's turn now, but this pool can't serve bob: alice again rather than nothing
    assert claimed(claim(store, max_items=1, models=flux_pool)) == [(alice.id, 1)]
    assert claimed(claim(store, models=claim_keys(["tiny-sd"]))) == [(bob.id, 0), (bob.id, 1)]


def test_waiting_models_lists_the_models_of_a_jobs_pending_items(store: Store) -> None:
    task = TaskItem(index=3, kind="assembly", request={})
    job = store.create_job(NewJob(), [*items(2, model="tiny-flux"), *items(1, start=2), task])
    assert store.waiting_models(job.id) == ["", "tiny-flux", "tiny-sd"]
    assert store.waiting_models(job.id, limit=2) == ["", "tiny-flux"]
    unit = claim(store, models=claim_keys(["tiny-flux"]))  # running items wait for no worker
    assert store.waiting_models(job.id) == ["", "tiny-sd"]
    complete_all(store, unit)
    assert store.waiting_models(job.id) == ["", "tiny-sd"]
    assert store.waiting_models(job.id.lower()) == ["", "tiny-sd"]  # ids in either case, as everywhere
    assert store.waiting_models("nope\x00") == [] and store.waiting_models("0" * 26) == []
    store.cancel_job(job.id)
    assert store.waiting_models(job.id) == []
