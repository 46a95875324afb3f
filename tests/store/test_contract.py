"""The `JobStore` contract for jobs (the rules in `kiln.jobs.store`): memory, SQLite and PostgreSQL alike.

Claiming and leases are in `test_contract_work.py`.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from kiln.jobs.records import NewJob
from tests.helpers import make_item
from tests.store.conftest import LEASE, FakeClock, Store, artifact, claim, complete_all, items, job

# creating and reading jobs


def test_create_job_stores_the_job_and_every_item(store: Store, clock: FakeClock) -> None:
    request = {"prompt": "a house", "count": 3, "nested": {"list": [1, 2]}}
    planned = items(3, width=128)
    created = store.create_job(NewJob(priority=2, owner="key1", prefix="a/b", request=request), planned)
    assert (created.state, created.total, created.priority, created.owner) == ("queued", 3, 2, "key1")
    assert created.prefix == "a/b"
    assert created.counts == {"pending": 3, "running": 0, "done": 0, "failed": 0, "canceled": 0}
    assert created.created_at == clock.now and created.started_at is None and created.progress == 0.0
    assert dict(created.request) == request
    assert store.get_job(created.id) == created
    listed = store.list_items(created.id)
    assert [i.item for i in listed] == planned
    assert all(i.state == "pending" and i.attempts == 0 and i.job_id == created.id for i in listed)
    assert len({i.id for i in listed}) == 3


def test_create_job_refuses_no_items_and_repeated_indexes(store: Store) -> None:
    with pytest.raises(ValueError):
        store.create_job(NewJob(), [])
    with pytest.raises(ValueError):
        store.create_job(NewJob(), [make_item(0), make_item(0)])
    assert store.list_jobs() == []


def test_get_job_keeps_owners_apart(store: Store) -> None:
    mine = store.create_job(NewJob(owner="alice"), items(1))
    assert store.get_job(mine.id, owner="alice") == mine
    assert store.get_job(mine.id, owner="bob") is None
    assert store.get_job(mine.id) == mine
    assert store.get_job("01NOSUCHJOB0000000000000000") is None


def test_list_jobs_filters_and_pages_newest_first(store: Store, clock: FakeClock) -> None:
    ids = []
    for n in range(5):
        clock.advance(1)
        ids.append(store.create_job(NewJob(owner="alice" if n % 2 == 0 else "bob"), items(1)).id)
    assert [j.id for j in store.list_jobs()] == ids[::-1]
    assert [j.id for j in store.list_jobs(owner="alice")] == [ids[4], ids[2], ids[0]]
    first = store.list_jobs(limit=2)
    second = store.list_jobs(limit=2, before=first[-1].id)
    third = store.list_jobs(limit=2, before=second[-1].id)
    assert [j.id for j in first + second + third] == ids[::-1]
    assert store.list_jobs(before=ids[0]) == []
    store.cancel_job(ids[1])
    assert [j.id for j in store.list_jobs(states=["canceled"])] == [ids[1]]
    assert [j.id for j in store.list_jobs(owner="alice", states={"queued"}, limit=1)] == [ids[4]]


def test_ids_made_in_the_same_instant_still_sort(store: Store) -> None:
    ids = [store.create_job(NewJob(), items(1)).id for _ in range(20)]  # the clock stands still
    assert [j.id for j in store.list_jobs()] == ids[::-1]


def test_list_items_filters_by_state_and_pages(store: Store) -> None:
    created = store.create_job(NewJob(), items(10))
    unit = claim(store, max_items=3)
    store.complete_item(unit.id, unit.items[0].id, artifact("0.png"))
    assert [i.index for i in store.list_items(created.id, offset=2, limit=3)] == [2, 3, 4]
    assert [i.index for i in store.list_items(created.id, states=["running", "done"])] == [0, 1, 2]
    assert [i.index for i in store.list_items(created.id, states=["pending"], limit=2)] == [3, 4]
    assert store.list_items("01NOSUCHJOB0000000000000000") == []


def test_images_since_counts_the_owners_items(store: Store, clock: FakeClock) -> None:
    start = clock.now
    store.create_job(NewJob(owner="alice"), items(3))
    later = clock.advance(60)
    store.create_job(NewJob(owner="alice"), items(2))
    store.create_job(NewJob(owner="bob"), items(7))
    assert store.images_since("alice", start) == 5
    assert store.images_since("alice", later) == 2
    assert store.images_since("alice", later + timedelta(microseconds=1)) == 0
    assert store.images_since("carol", start) == 0


# cancel, retry, delete


def test_cancel_stops_pending_items_and_tells_running_ones(store: Store, clock: FakeClock) -> None:
    created = store.create_job(NewJob(), items(5))
    unit = claim(store, max_items=2)
    clock.advance(1)
    canceled = store.cancel_job(created.id)
    assert canceled is not None and canceled.state == "canceled" and canceled.finished_at == clock.now
    assert canceled.counts["canceled"] == 3 and canceled.counts["running"] == 2
    assert store.pending_count() == 0
    assert store.heartbeat(unit.id, lease_seconds=LEASE) == []  # both items' job is canceled
    assert store.complete_item(unit.id, unit.items[0].id, artifact("kept.png"))  # a finished file is kept
    assert store.release_unit(unit.id) == 1
    final = job(store, created.id)
    assert final.state == "canceled" and final.counts == {
        "pending": 0, "running": 0, "done": 1, "failed": 0, "canceled": 4
    }  # fmt: skip
    assert store.claim("w", max_items=10, lease_seconds=LEASE) is None


def test_cancel_leaves_other_jobs_and_final_jobs_alone(store: Store) -> None:
    doomed = store.create_job(NewJob(), items(2))
    other = store.create_job(NewJob(), items(2))
    unit = claim(store, max_items=4)  # both jobs share a signature
    store.cancel_job(doomed.id)
    assert store.heartbeat(unit.id, lease_seconds=LEASE) == [i.id for i in unit.items if i.job_id == other.id]
    assert store.release_unit(unit.id) == 4
    assert [i.state for i in store.list_items(doomed.id)] == ["canceled", "canceled"]
    assert [i.state for i in store.list_items(other.id)] == ["pending", "pending"]
    complete_all(store, claim(store))
    finished = store.cancel_job(other.id)
    assert finished is not None and finished.state == "completed"
    assert store.cancel_job("01NOSUCHJOB0000000000000000") is None


def test_an_expired_lease_of_a_canceled_job_cancels_its_items(store: Store, clock: FakeClock) -> None:
    created = store.create_job(NewJob(), items(2))
    claim(store)
    store.cancel_job(created.id)
    clock.advance(LEASE)
    assert store.expire_leases() == 2
    assert [(i.state, i.attempts) for i in store.list_items(created.id)] == [("canceled", 0)] * 2


def test_retry_requeues_failed_and_canceled_items(store: Store, clock: FakeClock) -> None:
    created = store.create_job(NewJob(), items(3))
    unit = claim(store)
    for item in unit.items:
        assert store.fail_item(unit.id, item.id, "out of luck")
    failed = job(store, created.id)
    assert failed.state == "failed" and failed.error and "out of luck" in failed.error
    clock.advance(5)
    retried = store.retry_job(created.id)
    assert retried is not None and retried.state == "queued" and retried.counts["pending"] == 3
    assert retried.finished_at is None and retried.started_at is None and retried.error is None
    assert all((i.state, i.attempts, i.error) == ("pending", 0, None) for i in store.list_items(created.id))
    complete_all(store, claim(store))
    assert job(store, created.id).state == "completed"


def test_retry_of_a_partly_done_job_runs_again(store: Store, clock: FakeClock) -> None:
    created = store.create_job(NewJob(max_attempts=1), items(3))
    unit = claim(store, max_items=1)
    store.complete_item(unit.id, unit.items[0].id, artifact("0.png"))
    lost = claim(store, max_items=1)
    clock.advance(LEASE)
    store.expire_leases()  # item 1 fails at once: max_attempts=1
    store.cancel_job(created.id)
    assert [i.state for i in store.list_items(created.id)] == ["done", "failed", "canceled"]
    retried = store.retry_job(created.id)
    assert retried is not None and retried.state == "running" and retried.started_at is not None
    assert [(i.state, i.attempts) for i in store.list_items(created.id)] == [
        ("done", 0),
        ("pending", 0),
        ("pending", 0),
    ]
    assert lost.items[0].index == 1
    assert store.retry_job("01NOSUCHJOB0000000000000000") is None


def test_retry_with_nothing_to_retry_changes_nothing(store: Store) -> None:
    created = store.create_job(NewJob(), items(1))
    assert store.retry_job(created.id) == job(store, created.id)
    complete_all(store, claim(store))
    assert store.retry_job(created.id) == job(store, created.id)


def test_delete_returns_storage_keys_and_removes_everything(store: Store) -> None:
    created = store.create_job(NewJob(), items(3))
    kept = store.create_job(NewJob(), items(1, width=128))
    unit = claim(store, max_items=2)
    complete_all(store, unit)
    running = claim(store, max_items=1)
    artifacts = store.list_artifacts(created.id)
    assert store.delete_job(created.id) == [f"{created.id}/0.png", f"{created.id}/1.png"]
    assert store.get_job(created.id) is None
    assert store.list_items(created.id) == [] and store.list_artifacts(created.id) == []
    assert store.get_artifact(artifacts[0].id) is None
    assert store.events_after(created.id, 0) == []
    assert store.delete_job(created.id) is None
    assert not store.complete_item(running.id, running.items[0].id, artifact("gone.png"))
    assert store.pending_count() == 1 and job(store, kept.id).total == 1


# job states, progress and artifacts


def test_a_job_runs_from_its_first_claim_and_completes(store: Store, clock: FakeClock) -> None:
    created = store.create_job(NewJob(), items(2))
    clock.advance(1)
    unit = claim(store, max_items=1)
    running = job(store, created.id)
    assert running.state == "running" and running.started_at == clock.now and running.counts["running"] == 1
    clock.advance(1)
    complete_all(store, unit)
    halfway = job(store, created.id)
    assert halfway.progress == 0.5 and halfway.state == "running" and halfway.started_at == running.started_at
    complete_all(store, claim(store))
    done = job(store, created.id)
    assert done.state == "completed" and done.finished_at == clock.now and done.progress == 1.0
    item = store.list_items(created.id)[0]
    assert item.state == "done" and item.finished_at == clock.now and item.started_at is not None


def test_a_job_with_no_item_done_fails(store: Store) -> None:
    created = store.create_job(NewJob(), items(2))
    unit = claim(store)
    store.fail_item(unit.id, unit.items[1].id, "second broke")
    assert job(store, created.id).state == "running"
    store.fail_item(unit.id, unit.items[0].id, "first broke")
    failed = job(store, created.id)
    assert failed.state == "failed" and failed.error and "item 0: first broke" in failed.error
    assert [i.error for i in store.list_items(created.id)] == ["first broke", "second broke"]


def test_artifacts_are_recorded_with_their_item(store: Store, clock: FakeClock) -> None:
    created = store.create_job(NewJob(), items(2))
    unit = claim(store)
    for item in reversed(unit.items):
        meta = {"seed": item.image.seed, "infotext": "a house\nSteps: 2"}
        assert store.complete_item(unit.id, item.id, artifact(f"out/{item.index}.png", **meta))
    listed = store.list_artifacts(created.id)
    assert [a.index for a in listed] == [0, 1] and [a.item_id for a in listed] == [i.id for i in unit.items]
    first = store.get_artifact(listed[0].id)
    assert first is not None and first == listed[0]
    assert first.storage_key == "out/0.png" and first.content_type == "image/png" and first.size_bytes == 1234
    assert dict(first.metadata) == {"seed": 1000, "infotext": "a house\nSteps: 2"}
    assert first.created_at == clock.now and first.job_id == created.id
    assert store.get_artifact("01NOSUCHARTIFACT00000000000") is None


def test_ids_are_found_in_either_case(store: Store) -> None:
    """Crockford base32 is case-insensitive: an id in lower (or mixed) case names the same job or artifact."""
    older = store.create_job(NewJob(), items(1))
    created = store.create_job(NewJob(), items(2))
    lower = created.id.lower()
    assert lower != created.id and job(store, lower) == job(store, created.id)
    assert [i.index for i in store.list_items(lower)] == [0, 1]
    assert [j.id for j in store.list_jobs(before=lower)] == [older.id]
    store.append_event(lower, "note", {"said": "hello"})
    assert [e.type for e in store.events_after(lower, 0)][-1] == "note"
    canceled = store.cancel_job(older.id.lower())
    assert canceled is not None and canceled.id == older.id and canceled.state == "canceled"
    retried = store.retry_job(older.id.lower())
    assert retried is not None and retried.id == older.id and retried.state == "queued"
    complete_all(store, claim(store))
    [first, *_] = store.list_artifacts(lower)
    assert store.get_artifact(first.id.lower()) == first
    assert store.get_artifact(first.id[:13] + first.id[13:].lower()) == first
    assert store.delete_job(lower) is not None and store.get_job(created.id) is None


# events


def test_state_changes_append_events_in_order(store: Store) -> None:
    created = store.create_job(NewJob(), items(2))
    unit = claim(store)
    complete_all(store, unit)
    events = store.events_after(created.id, 0)
    assert [(e.type, e.data["state"]) for e in events] == [
        ("job.state", "queued"),
        ("job.state", "running"),
        ("item.state", "running"),
        ("item.state", "running"),
        ("item.state", "done"),
        ("item.state", "done"),
        ("job.state", "completed"),
    ]
    assert [e.id for e in events] == sorted({e.id for e in events})
    assert events[-1].data["counts"]["done"] == 2 and events[-1].data["total"] == 2
    done = events[4].data
    assert done["item_id"] == unit.items[0].id and done["index"] == 0 and done["artifact_id"]
    assert all(e.job_id == created.id for e in events)


def test_events_page_and_stay_with_their_job(store: Store, clock: FakeClock) -> None:
    first = store.create_job(NewJob(), items(1))
    second = store.create_job(NewJob(), items(1))
    appended = [store.append_event(first.id, "item.progress", {"step": n}) for n in range(5)]
    store.append_event(second.id, "item.progress", {"step": 99})
    assert appended[0].created_at == clock.now and dict(appended[0].data) == {"step": 0}
    page = store.events_after(first.id, 0, limit=3)
    rest = store.events_after(first.id, page[-1].id)
    assert [e.id for e in page + rest][1:] == [e.id for e in appended]
    assert store.events_after(first.id, appended[-1].id) == []
    assert [e.data["step"] for e in store.events_after(second.id, 0)[1:]] == [99]
    with pytest.raises(KeyError):
        store.append_event("01NOSUCHJOB0000000000000000", "x", {})


def test_expiry_and_cancel_and_retry_are_told_by_events(store: Store, clock: FakeClock) -> None:
    created = store.create_job(NewJob(), items(2))
    claim(store, max_items=1)
    mark = store.events_after(created.id, 0)[-1].id
    clock.advance(LEASE)
    store.expire_leases()
    store.cancel_job(created.id)
    store.retry_job(created.id)
    events = [(e.type, e.data["state"]) for e in store.events_after(created.id, mark)]
    assert events == [("item.state", "pending"), ("job.state", "canceled"), ("job.state", "queued")]
    assert store.events_after(created.id, mark)[1].data["counts"]["canceled"] == 2
