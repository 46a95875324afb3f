"""The worker in the registry: a beat at start, beats while it works (busy) and idles, removal on a clean stop."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import pytest

from kiln.config import Settings
from kiln.engine.executor import Engine
from kiln.jobs.records import NewJob
from kiln.jobs.store import JobStore
from kiln.jobs.workers import WorkerRecord, WorkerRegistry
from kiln.storage.local import LocalStorage
from kiln.worker.service import DeviceFailed, JobWorker
from tests.conditions import wait_until
from tests.helpers import make_item
from tests.worker.conftest import SpyEngine


class Recorder:
    """A registry that records every beat and removal, and keeps them in a real one."""

    def __init__(self, registry: WorkerRegistry) -> None:
        self.registry = registry
        self.beats: list[dict[str, Any]] = []
        self.removed: list[str] = []
        self.lock = threading.Lock()

    def beat(self, worker_id: str, info: Mapping[str, Any]) -> None:
        with self.lock:
            self.beats.append(dict(info))
        self.registry.beat(worker_id, info)

    def live_workers(self, within_seconds: float) -> list[WorkerRecord]:
        return self.registry.live_workers(within_seconds)

    def remove_worker(self, worker_id: str) -> None:
        self.removed.append(worker_id)
        self.registry.remove_worker(worker_id)

    def seen(self, **expected: Any) -> bool:
        with self.lock:
            return any(all(beat[k] == v for k, v in expected.items()) for beat in self.beats)


def make_worker(store: JobStore, engine: Any, tmp_path: Path, registry: Recorder) -> JobWorker:
    settings = Settings(threads=2, output_dir=tmp_path / "out", heartbeat_seconds=0.05)
    return JobWorker(store, engine, LocalStorage(settings.output_dir), settings, "w-1", registry=registry)


def test_a_worker_beats_while_it_lives_and_leaves_on_a_clean_stop(
    store: JobStore, engine: Engine, tmp_path: Path
) -> None:
    registry = Recorder(cast(WorkerRegistry, store))
    job = store.create_job(NewJob(), [make_item(0, steps=10), make_item(1, steps=10)])
    busy_seen: list[bool] = []

    def during_the_unit(step: int) -> None:  # holds the engine until the thread beats again
        if step == 1:
            start = len(registry.beats)
            wait_until(lambda: any(b["state"] == "busy" for b in registry.beats[start:]), what="a busy beat")
            busy_seen.append(True)

    spy = SpyEngine(engine, during_the_unit)
    worker = make_worker(store, spy, tmp_path, registry)
    stop = threading.Event()
    preload = {"prepare": lambda: engine.model("tiny-sd")}
    thread = threading.Thread(target=worker.run_forever, args=(stop,), kwargs=preload)
    thread.start()
    try:
        wait_until(lambda: registry.seen(state="idle", images=2), timeout=60, what="an idle beat after the job")
        [live] = registry.live_workers(60)
        assert live.worker_id == "w-1" and live.info["images"] == 2
    finally:
        stop.set()
        thread.join(timeout=60)
    first = registry.beats[0]
    assert first["state"] == "busy"  # preloading
    assert set(first) == {"pid", "host", "device", "dtype", "micro_batch", "loaded_models", "model_loads", "images",
                          "gpu_memory_bytes", "state"}  # fmt: skip
    assert (first["pid"], first["host"], first["device"], first["dtype"]) == (
        os.getpid(), socket.gethostname(), "cpu", "float32"
    )  # fmt: skip
    assert first["micro_batch"] == engine.micro_batch and first["gpu_memory_bytes"] is None
    after_preload = next(beat for beat in registry.beats if beat["state"] == "idle")  # beaten at once
    assert "tiny-sd" in after_preload["loaded_models"] and after_preload["model_loads"] >= 1
    assert busy_seen  # beats go on during a unit
    assert registry.removed == ["w-1"] and store_live(store) == []
    finished = store.get_job(job.id)
    assert finished is not None and finished.state == "completed"


def store_live(store: JobStore) -> list[WorkerRecord]:
    return cast(WorkerRegistry, store).live_workers(3600)


class _BrokenDevice(SpyEngine):
    def run(self, items: Any, **options: Any) -> Any:
        raise RuntimeError("CUDA error: an illegal memory access was encountered")


def test_a_worker_that_dies_is_left_to_age_out(store: JobStore, engine: Engine, tmp_path: Path) -> None:
    registry = Recorder(cast(WorkerRegistry, store))
    store.create_job(NewJob(), [make_item(0)])
    worker = make_worker(store, _BrokenDevice(engine), tmp_path, registry)
    with pytest.raises(DeviceFailed):
        worker.run_forever(threading.Event())
    assert registry.removed == [] and [w.worker_id for w in store_live(store)] == ["w-1"]


def test_a_worker_without_a_registry_just_works(store: JobStore, engine: Engine, tmp_path: Path) -> None:
    store.create_job(NewJob(), [make_item(0)])
    settings = Settings(threads=2, output_dir=tmp_path / "out")
    worker = JobWorker(store, engine, LocalStorage(settings.output_dir), settings, "w-2")
    stop = threading.Event()
    loaded: list[str] = []
    prepare = {"prepare": lambda: loaded.append("x")}
    thread = threading.Thread(target=worker.run_forever, args=(stop,), kwargs=prepare)
    thread.start()
    wait_until(lambda: worker.stats.done == 1, timeout=60, what="the item")
    stop.set()
    thread.join(timeout=60)
    assert loaded == ["x"] and store_live(store) == []
