"""The worker records each signature's rate after a unit it ran whole, for `POST /v1/estimate`."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from PIL import Image

from kiln.config import Settings
from kiln.engine.executor import BatchLatentsCallback, Engine, GeneratedImage, StepCallback
from kiln.engine.loader import LoadedModel
from kiln.jobs.records import NewJob
from kiln.jobs.store import JobStore
from kiln.storage.local import LocalStorage
from kiln.types import ImageItem
from kiln.worker.service import GenerationEngine, JobWorker
from tests.helpers import make_item
from tests.worker.conftest import SpyEngine

LOAD_SECONDS = 2.0


class _SlowLoads(SpyEngine):
    """Takes `LOAD_SECONDS` to hand out a model (as a first load would), and fails items whose prompt says BROKEN."""

    def model(self, name: str, family: str | None = None) -> LoadedModel:
        time.sleep(LOAD_SECONDS)
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


def _worker(store: JobStore, engine: GenerationEngine, tmp_path: Path) -> JobWorker:
    settings = Settings(threads=2, output_dir=tmp_path / "out", lease_seconds=30, heartbeat_seconds=5)
    return JobWorker(store, engine, LocalStorage(settings.output_dir), settings, "rate-worker")


def test_each_unit_run_whole_records_its_rate_without_the_model_load(
    store: JobStore, engine: Engine, tmp_path: Path
) -> None:
    items = [make_item(i) for i in range(4)]
    store.create_job(NewJob(micro_batch=2), items)
    other = make_item(0, width=128)
    store.create_job(NewJob(), [other])
    worker = _worker(store, _SlowLoads(engine), tmp_path)
    while worker.run_once():
        pass
    key, other_key = items[0].signature().key(), other.signature().key()
    rates = store.signature_rates([key, other_key])
    assert rates[key].units == 2 and rates[other_key].units == 1  # one sample per unit
    assert 0 < rates[key].seconds_per_image < LOAD_SECONDS / 2  # the load before each unit is not counted


def test_a_unit_with_a_failed_item_records_no_rate(store: JobStore, engine: Engine, tmp_path: Path) -> None:
    items = [make_item(0), make_item(1, prompt="BROKEN on purpose")]
    job = store.create_job(NewJob(), items)
    worker = _worker(store, _SlowLoads(engine), tmp_path)
    while worker.run_once():
        pass
    assert sorted(i.state for i in store.list_items(job.id)) == ["done", "failed"]
    assert store.signature_rates([items[0].signature().key()]) == {}  # one by one is not the unit's rate
