"""The worker records each signature's rate after a unit it ran whole, for `POST /v1/estimate`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from kiln.config import Settings
from kiln.engine.executor import BatchLatentsCallback, Engine, GeneratedImage, StepCallback
from kiln.engine.loader import LoadedModel
from kiln.jobs.records import NewJob, WorkUnit
from kiln.jobs.store import JobStore
from kiln.storage.local import LocalStorage
from kiln.types import ImageItem
from kiln.worker.service import GenerationEngine, JobWorker
from tests.helpers import make_item
from tests.worker.conftest import SpyEngine

LOAD_SECONDS = 2.0


class _Clock:
    """The worker's clock: a millisecond passes at each reading, and `LOAD_SECONDS` at each model load, so what
    the rate counts does not depend on how fast this machine runs the tiny model."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        self.now += 0.001
        return self.now


class _SlowLoads(SpyEngine):
    """Takes `LOAD_SECONDS` on the worker's clock to hand out a model (as a first load would), and fails items
    whose prompt says BROKEN."""

    def __init__(self, engine: Engine, clock: _Clock) -> None:
        super().__init__(engine)
        self.clock = clock

    def model(self, name: str, family: str | None = None) -> LoadedModel:
        self.clock.now += LOAD_SECONDS
        return super().model(name, family)

    def run(
        self,
        items: Sequence[ImageItem],
        *,
        init_images: Sequence[Image.Image] | None = None,
        on_step: StepCallback | None = None,
        should_cancel: Callable[[], bool] | None = None,
        on_latents: BatchLatentsCallback | None = None,
    ) -> list[GeneratedImage]:
        if any("BROKEN" in item.prompt for item in items):
            raise ValueError("the text encoder choked")
        return super().run(items, on_step=on_step, should_cancel=should_cancel, on_latents=on_latents)


def _worker(store: JobStore, engine: Engine, tmp_path: Path, clock: _Clock | None = None) -> JobWorker:
    settings = Settings(threads=2, output_dir=tmp_path / "out", lease_seconds=30, heartbeat_seconds=5)
    clock = clock or _Clock()
    slow: GenerationEngine = _SlowLoads(engine, clock)
    return JobWorker(store, slow, LocalStorage(settings.output_dir), settings, "rate-worker", clock=clock)


def test_each_unit_run_whole_records_its_rate_without_the_model_load(
    store: JobStore, engine: Engine, tmp_path: Path
) -> None:
    items = [make_item(i) for i in range(4)]
    store.create_job(NewJob(micro_batch=2), items)
    other = make_item(0, width=128)
    store.create_job(NewJob(), [other])
    worker = _worker(store, engine, tmp_path)
    while worker.run_once():
        pass
    key, other_key = items[0].signature().key(), other.signature().key()
    rates = store.signature_rates([key, other_key])
    assert rates[key].units == 2 and rates[other_key].units == 1  # one sample per unit
    assert 0 < rates[key].seconds_per_image < LOAD_SECONDS / 2  # the load before each unit is not counted


def test_a_unit_with_a_failed_item_records_no_rate(store: JobStore, engine: Engine, tmp_path: Path) -> None:
    items = [make_item(0), make_item(1, prompt="BROKEN on purpose")]
    job = store.create_job(NewJob(), items)
    worker = _worker(store, engine, tmp_path)
    while worker.run_once():
        pass
    assert sorted(i.state for i in store.list_items(job.id)) == ["done", "failed"]
    assert store.signature_rates([items[0].signature().key()]) == {}  # one by one is not the unit's rate


def test_the_time_a_claim_takes_counts_in_the_rate(
    store: JobStore, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every unit of a job pays its claim, so an estimate that left it out would fall short of the measured time."""
    claim_seconds = 0.5
    clock = _Clock()
    claim = store.claim

    def slow_claim(*args: Any, **kwargs: Any) -> WorkUnit | None:
        clock.now += claim_seconds
        return claim(*args, **kwargs)

    monkeypatch.setattr(store, "claim", slow_claim)
    items = [make_item(i) for i in range(2)]
    store.create_job(NewJob(micro_batch=2), items)
    worker = _worker(store, engine, tmp_path, clock)
    while worker.run_once():
        pass
    rate = store.signature_rates([items[0].signature().key()])[items[0].signature().key()]
    assert claim_seconds / 2 <= rate.seconds_per_image < LOAD_SECONDS / 2  # the claim in, the load still out
