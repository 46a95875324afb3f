"""The job worker with the real tiny engine against real stores: files, recipes, cancel, lost leases, stops."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

import pytest
import torch
from PIL import Image

from kiln.config import Settings
from kiln.engine.executor import BatchLatentsCallback, Engine, GeneratedImage, StepCallback
from kiln.jobs.records import NewJob, WorkUnit
from kiln.jobs.store import JobStore
from kiln.media.images import read_metadata
from kiln.storage.local import LocalStorage
from kiln.types import ImageItem
from kiln.worker.artifacts import recipe_of
from kiln.worker.service import DeviceFailed, GenerationEngine, JobWorker
from tests.conditions import wait_until
from tests.helpers import make_item
from tests.worker.conftest import FakeClock, SpyEngine, StoreFactory


def make_worker(
    store: JobStore, engine: GenerationEngine, tmp_path: Path, **options: Any
) -> tuple[JobWorker, LocalStorage]:
    settings = Settings(threads=2, output_dir=tmp_path / "out", lease_seconds=30, heartbeat_seconds=5)
    storage = LocalStorage(settings.output_dir)
    return JobWorker(store, engine, storage, settings, "test-worker", **options), storage


def drain(worker: JobWorker) -> int:
    units = 0
    while worker.run_once():
        units += 1
    return units


def test_items_complete_with_files_and_recipes(store: JobStore, engine: Engine, tmp_path: Path) -> None:
    items = [make_item(0), make_item(1, output_format="webp"), make_item(2)]
    job = store.create_job(NewJob(prefix="shoot/a", owner="key1"), items)
    other = store.create_job(NewJob(), [make_item(0, seed=77)])
    worker, storage = make_worker(store, engine, tmp_path)
    assert drain(worker) == 1  # one signature: both jobs share a unit
    assert (worker.stats.done, worker.stats.failed, worker.stats.discarded) == (4, 0, 0)
    finished = store.get_job(job.id)
    assert finished is not None and finished.state == "completed"
    artifacts = store.list_artifacts(job.id)
    assert [a.storage_key for a in artifacts] == [
        f"key1/{job.id}/shoot/a/00000_1000.png",
        f"key1/{job.id}/shoot/a/00001_1001.webp",
        f"key1/{job.id}/shoot/a/00002_1002.png",
    ]
    for artifact, item in zip(artifacts, items, strict=True):
        data = storage.read(artifact.storage_key)
        assert artifact.size_bytes == len(data)
        assert artifact.content_type == {"png": "image/png", "webp": "image/webp"}[item.output_format]
        assert (artifact.width, artifact.height) == (64, 64)
        recipe = read_metadata(data).recipe
        assert recipe is not None and recipe["item"] == item.to_dict()
        assert dict(artifact.metadata) == recipe
    [lone] = store.list_artifacts(other.id)
    assert lone.storage_key == f"anonymous/{other.id}/00000_77.png" and storage.exists(lone.storage_key)
    progress = [e for e in store.events_after(job.id, 0) if e.type == "item.progress"]
    assert progress and progress[0].data == {"step": 1, "steps": 2, "items": [0, 1, 2]}
    assert worker.run_once() is False  # nothing left


def test_progress_is_throttled(store: JobStore, engine: Engine, tmp_path: Path) -> None:
    job = store.create_job(NewJob(), [make_item(0, steps=40)])
    worker, _ = make_worker(store, engine, tmp_path)
    started = time.monotonic()
    drain(worker)
    elapsed = time.monotonic() - started
    progress = [e.data for e in store.events_after(job.id, 0) if e.type == "item.progress"]
    assert 1 <= len(progress) <= 1 + elapsed / 0.25
    assert progress[0]["step"] == 1 and all(p["steps"] == 40 for p in progress)


def test_cancel_stops_the_unit_within_a_step(store: JobStore, engine: Engine, tmp_path: Path) -> None:
    job = store.create_job(NewJob(), [make_item(0, steps=50), make_item(1, steps=50)])
    spy = SpyEngine(engine)
    worker, storage = make_worker(store, spy, tmp_path, renew_interval=0.0)
    at_cancel: list[int] = []

    def cancel_on_first_progress() -> None:
        wait_until(lambda: any(e.type == "item.progress" for e in store.events_after(job.id, 0)), what="progress")
        store.cancel_job(job.id)
        at_cancel.append(len(spy.steps))

    canceller = threading.Thread(target=cancel_on_first_progress)
    canceller.start()
    assert worker.run_once() is True
    canceller.join()
    assert spy.steps[-1] < 50
    assert spy.steps[-1] <= at_cancel[0] + 2  # the step in flight, then the check that sees the cancel
    assert worker.stats.released == 1 and worker.stats.done == 0
    assert {i.state for i in store.list_items(job.id)} == {"canceled"}
    assert store.list_artifacts(job.id) == [] and not (storage.root / "anonymous" / job.id).exists()
    canceled = store.get_job(job.id)
    assert canceled is not None and canceled.state == "canceled"


def test_a_lease_lost_mid_unit_records_nothing(make_store: StoreFactory, engine: Engine, tmp_path: Path) -> None:
    clock = FakeClock()
    store = make_store(clock)
    job = store.create_job(NewJob(), [make_item(0, steps=6), make_item(1, steps=6)])
    stolen: list[WorkUnit] = []

    def steal(step: int) -> None:  # the lease expires (a long GC pause, say) and another worker takes an item
        if step == 1:
            clock.advance(31)
            store.expire_leases()
            unit = store.claim("thief", max_items=16, lease_seconds=30)
            assert unit is not None
            stolen.append(unit)

    worker, _ = make_worker(store, SpyEngine(engine, steal), tmp_path, renew_interval=0.0)
    assert worker.run_once() is True
    assert worker.stats.released == 1 and worker.stats.done == 0
    assert store.list_artifacts(job.id) == []
    states = {i.id: i.state for i in store.list_items(job.id)}
    assert all(states[r.id] == "running" for r in stolen[0].items)  # still the thief's
    assert sorted(states.values()) == ["pending", "running"]


class _LateStore:
    """A store whose heartbeat still reports every item held: the loss shows only when results are recorded."""

    def __init__(self, store: JobStore) -> None:
        self._store = store
        self._units: dict[str, list[int]] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def claim(self, worker_id: str, **options: Any) -> WorkUnit | None:
        unit = self._store.claim(worker_id, **options)
        if unit is not None:
            self._units[unit.id] = [r.id for r in unit.items]
        return unit

    def heartbeat(self, unit_id: str, *, lease_seconds: float) -> list[int]:
        self._store.heartbeat(unit_id, lease_seconds=lease_seconds)
        return self._units[unit_id]


def test_results_of_a_lost_lease_are_not_counted(make_store: StoreFactory, engine: Engine, tmp_path: Path) -> None:
    clock = FakeClock()
    real = make_store(clock)
    job = real.create_job(NewJob(), [make_item(0), make_item(1)])

    def expire(step: int) -> None:
        if step == 1:
            clock.advance(31)
            real.expire_leases()

    worker, _ = make_worker(cast(JobStore, _LateStore(real)), SpyEngine(engine, expire), tmp_path)
    assert worker.run_once() is True
    assert (worker.stats.done, worker.stats.discarded) == (0, 2)
    assert real.list_artifacts(job.id) == []
    assert {(i.state, i.attempts) for i in real.list_items(job.id)} == {("pending", 1)}


def test_a_stop_past_its_grace_releases_the_unit(store: JobStore, engine: Engine, tmp_path: Path) -> None:
    job = store.create_job(NewJob(), [make_item(0, steps=50), make_item(1, steps=50)])
    stop = threading.Event()
    spy = SpyEngine(engine, lambda step: stop.set())
    worker, _ = make_worker(store, spy, tmp_path, grace_seconds=0.0, renew_interval=0.0)
    worker.run_forever(stop)
    assert spy.steps[-1] < 50
    assert worker.stats.released == 1 and worker.stats.done == 0
    assert {(i.state, i.attempts) for i in store.list_items(job.id)} == {("pending", 0)}  # no attempt counted
    assert store.list_artifacts(job.id) == []


def test_a_stop_within_its_grace_finishes_the_unit(store: JobStore, engine: Engine, tmp_path: Path) -> None:
    first = store.create_job(NewJob(), [make_item(0, steps=8)])
    second = store.create_job(NewJob(), [make_item(0, steps=8, width=128)])  # another signature: another unit
    stop = threading.Event()
    worker, _ = make_worker(store, SpyEngine(engine, lambda step: stop.set()), tmp_path, grace_seconds=60.0)
    worker.run_forever(stop)
    assert worker.stats.units == 1 and worker.stats.done == 1
    assert {i.state for i in store.list_items(first.id)} == {"done"}
    assert {i.state for i in store.list_items(second.id)} == {"pending"}  # not started after the stop


class _FlakyEngine(SpyEngine):
    """Runs out of memory on a prompt with HUGE in it, and breaks on BROKEN, as a real engine would raise."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.tried: list[list[int]] = []

    def run(
        self,
        items: Sequence[ImageItem],
        *,
        init_images: Sequence[Image.Image] | None = None,
        on_step: StepCallback | None = None,
        should_cancel: Callable[[], bool] | None = None,
        on_latents: BatchLatentsCallback | None = None,
    ) -> list[GeneratedImage]:
        self.tried.append([item.index for item in items])
        if any("HUGE" in item.prompt for item in items):
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")
        if any("BROKEN" in item.prompt for item in items):
            raise ValueError("the text encoder choked")
        if any("ILLEGAL" in item.prompt for item in items):
            raise RuntimeError("CUDA error: an illegal memory access was encountered")
        return super().run(items, on_step=on_step, should_cancel=should_cancel, on_latents=on_latents)


def test_an_item_that_fails_alone_fails_with_its_reason(store: JobStore, engine: Engine, tmp_path: Path) -> None:
    items = [make_item(0), make_item(1, prompt="a HUGE mural"), make_item(2, prompt="BROKEN"), make_item(3)]
    job = store.create_job(NewJob(), items)
    flaky = _FlakyEngine(engine)
    worker, _ = make_worker(store, flaky, tmp_path)
    drain(worker)
    assert flaky.tried == [[0, 1, 2, 3], [0], [1], [2], [3]]  # the batch failed, then one by one
    by_index = {i.index: i for i in store.list_items(job.id)}
    assert [by_index[i].state for i in range(4)] == ["done", "failed", "failed", "done"]
    assert by_index[1].error is not None and by_index[1].error.startswith("out of memory: one 64x64 image of tiny-sd")
    assert by_index[2].error == "generation failed: ValueError: the text encoder choked"
    finished = store.get_job(job.id)
    assert finished is not None and finished.state == "completed"
    assert (worker.stats.done, worker.stats.failed) == (2, 2)


def test_a_device_failure_ends_the_worker_and_counts_the_attempt(
    make_store: StoreFactory, engine: Engine, tmp_path: Path
) -> None:
    clock = FakeClock()
    store = make_store(clock)
    job = store.create_job(NewJob(), [make_item(0), make_item(1, prompt="ILLEGAL")])
    worker, _ = make_worker(store, _FlakyEngine(engine), tmp_path)
    with pytest.raises(DeviceFailed, match="illegal memory access"):
        worker.run_forever(threading.Event())
    assert {i.state for i in store.list_items(job.id)} == {"running"}  # not released: the lease runs out
    clock.advance(31)
    store.expire_leases()
    assert {(i.state, i.attempts) for i in store.list_items(job.id)} == {("pending", 1)}


def test_expired_leases_of_a_dead_worker_are_taken_over(
    make_store: StoreFactory, engine: Engine, tmp_path: Path
) -> None:
    clock = FakeClock()
    store = make_store(clock)
    job = store.create_job(NewJob(), [make_item(0)])
    assert store.claim("dead-worker", max_items=16, lease_seconds=30) is not None
    clock.advance(31)
    worker, _ = make_worker(store, engine, tmp_path)
    assert drain(worker) == 1
    [item] = store.list_items(job.id)
    assert (item.state, item.attempts) == ("done", 1)


def test_the_recipe_is_the_generated_items(engine: Engine) -> None:
    [image] = engine.run([make_item(5)])
    assert recipe_of(image)["item"] == make_item(5).to_dict()


def test_a_key_the_storage_refuses_fails_the_item(store: JobStore, engine: Engine, tmp_path: Path) -> None:
    job = store.create_job(NewJob(prefix="../outside"), [make_item(0)])
    worker, _ = make_worker(store, engine, tmp_path)
    assert worker.run_once() is True
    [item] = store.list_items(job.id)
    assert item.state == "failed" and item.error is not None and item.error.startswith("could not store the image")
    assert not (tmp_path / "outside").exists()


def test_jobs_that_ask_for_previews_get_them_while_they_denoise(
    store: JobStore, engine: Engine, tmp_path: Path
) -> None:
    watched = store.create_job(NewJob(request={"previews": True}), [make_item(0, steps=3), make_item(1, steps=3)])
    plain = store.create_job(NewJob(), [make_item(2, steps=3)])
    worker, _ = make_worker(store, engine, tmp_path)
    assert drain(worker) == 1  # one unit for both jobs: previews are per job all the same
    previews = [e.data for e in store.events_after(watched.id, 0) if e.type == "item.preview"]
    assert previews and previews[0]["step"] == 1 and previews[0]["steps"] == 3
    assert sorted(p["index"] for p in previews[0]["previews"]) == [0, 1]
    assert not [e for e in store.events_after(plain.id, 0) if e.type == "item.preview"]
