"""The `WorkerRegistry` contract: beats, live workers, removal, forgetting; and `JobStore.stats`."""

from __future__ import annotations

from datetime import timedelta

from kiln.jobs.records import NewJob
from kiln.jobs.workers import FORGET_AFTER, WorkerRecord
from tests.store.conftest import START, FakeClock, Store, artifact, claim, items

INFO = {"pid": 41, "host": "gpu-1", "loaded_models": ["tiny-sd"], "gpu_memory_bytes": None, "state": "idle"}

# the worker registry


def test_a_beat_registers_a_worker_and_the_next_one_updates_it(store: Store, clock: FakeClock) -> None:
    assert store.live_workers(15) == []
    store.beat("gpu-1-41", INFO)
    assert store.live_workers(15) == [WorkerRecord("gpu-1-41", INFO, START, START)]
    clock.advance(5)
    store.beat("gpu-1-41", {**INFO, "state": "busy", "loaded_models": ("tiny-sd", "tiny-flux")})
    [worker] = store.live_workers(15)
    assert worker.started_at == START and worker.last_seen == clock.now
    assert worker.info == {**INFO, "state": "busy", "loaded_models": ["tiny-sd", "tiny-flux"]}  # JSON, as stored


def test_live_workers_are_those_seen_within_the_window(store: Store, clock: FakeClock) -> None:
    store.beat("b", INFO)
    clock.advance(10)
    store.beat("a", INFO)
    store.beat("c", INFO)
    assert [w.worker_id for w in store.live_workers(10)] == ["a", "b", "c"]  # by id; exactly 10 s is live
    clock.advance(0.5)
    assert [w.worker_id for w in store.live_workers(10)] == ["a", "c"]
    clock.advance(10)
    assert store.live_workers(10) == []
    assert [w.worker_id for w in store.live_workers(3600)] == ["a", "b", "c"]


def test_a_removed_worker_is_gone_until_it_beats_again(store: Store, clock: FakeClock) -> None:
    store.beat("w", INFO)
    store.beat("other", INFO)
    store.remove_worker("w")
    store.remove_worker("never-seen")
    assert [w.worker_id for w in store.live_workers(60)] == ["other"]
    clock.advance(1)
    store.beat("w", INFO)
    [back] = [w for w in store.live_workers(60) if w.worker_id == "w"]
    assert back.started_at == clock.now  # a new life


def test_a_beat_forgets_workers_long_dead(store: Store, clock: FakeClock) -> None:
    store.beat("crashed", INFO)
    clock.advance(FORGET_AFTER.total_seconds() - 1)
    store.beat("alive", INFO)
    assert len(store.live_workers(FORGET_AFTER.total_seconds() * 2)) == 2
    clock.advance(2)
    store.beat("alive", INFO)
    assert [w.worker_id for w in store.live_workers(FORGET_AFTER.total_seconds() * 2)] == ["alive"]


# stats


def test_stats_of_an_empty_store(store: Store) -> None:
    stats = store.stats()
    assert dict(stats.jobs) == {"queued": 0, "running": 0, "completed": 0, "failed": 0, "canceled": 0}
    assert dict(stats.items) == {"pending": 0, "running": 0, "done": 0, "failed": 0, "canceled": 0}
    assert (stats.pending, stats.images, stats.item_seconds) == (0, 0, ())


def test_stats_count_by_state_and_time_recent_items(store: Store, clock: FakeClock) -> None:
    running = store.create_job(NewJob(), items(4))
    store.create_job(NewJob(), items(2, width=128))
    canceled = store.create_job(NewJob(), items(3, width=256))
    store.cancel_job(canceled.id)
    unit = claim(store, max_items=3)
    clock.advance(2)
    assert store.complete_item(unit.id, unit.items[0].id, artifact("a.png"))
    clock.advance(3)
    assert store.complete_item(unit.id, unit.items[1].id, artifact("b.png"))
    assert store.fail_item(unit.id, unit.items[2].id, "boom")  # not done: not timed

    stats = store.stats()
    assert dict(stats.jobs) == {"queued": 1, "running": 1, "completed": 0, "failed": 0, "canceled": 1}
    assert dict(stats.items) == {"pending": 3, "running": 0, "done": 2, "failed": 1, "canceled": 3}
    assert (stats.pending, stats.images) == (3, 2)
    assert stats.item_seconds == (5.0, 2.0)  # most recent first
    assert store.stats(max_durations=1).item_seconds == (5.0,)
    assert store.stats(window_seconds=1).item_seconds == (5.0,)  # finished 3 s ago: outside
    clock.advance(3600)  # the window holds what finished at or after its start
    assert store.stats().item_seconds == (5.0,)
    assert store.stats(window_seconds=timedelta(hours=2).total_seconds()).item_seconds == (5.0, 2.0)
    store.delete_job(running.id)
    assert store.stats().images == 0
    assert store.stats(window_seconds=timedelta(hours=2).total_seconds()).item_seconds == ()
