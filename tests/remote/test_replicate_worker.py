"""kiln's provider worker (`kiln.remote.worker.RemoteWorker`) on the Replicate backend against a real Cog server:
a job's items become predictions, their outputs land in storage with kiln's recipe naming the backend and the
remote id, and a worker stopped mid-prediction is followed by one that resumes it instead of running it again."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from kiln.config import Settings
from kiln.jobs.memory import MemoryStore
from kiln.jobs.records import NewJob
from kiln.remote.replicate_cog import CogBackend
from kiln.remote.worker import RemoteWorker
from kiln.storage.local import LocalStorage
from kiln.types import ImageItem
from tests.e2e.server import free_port
from tests.remote.cog_server import CogServer, cog_server

MODEL = "replicate:kiln-tests/tiny-cog"
ITEM = ImageItem(
    index=0,
    prompt="a lighthouse",
    negative_prompt="",
    user_prompt="a lighthouse",
    model=MODEL,
    width=1024,
    height=576,
    steps=4,
    guidance=0.0,
    seed=1,
    output_format="png",
)


@pytest.fixture(scope="module")
def cog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CogServer]:
    with cog_server(Path(tmp_path_factory.mktemp("cog")) / "cog.log") as server:
        yield server


def _settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, remote_poll_seconds=0.05, heartbeat_seconds=0.5, lease_seconds=30)


async def _run_until(worker: RemoteWorker, done: object, timeout: float = 60) -> None:
    """Run the worker until `done()` is true, then stop it (it releases what it holds)."""
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    try:
        async with asyncio.timeout(timeout):
            while not done():  # type: ignore[operator]
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        await running


def test_a_job_runs_on_the_cog_server_and_its_images_name_the_backend(cog: CogServer, tmp_path: Path) -> None:
    store, storage = MemoryStore(), LocalStorage(tmp_path / "out")
    items = [replace(ITEM, index=i, seed=100 + i) for i in range(3)]
    job = store.create_job(NewJob(), items)
    worker = RemoteWorker(store, CogBackend(base_url=cog.url), storage, _settings(tmp_path), "w1")

    def finished() -> bool:
        record = store.get_job(job.id)
        return record is not None and record.state in ("completed", "failed")

    asyncio.run(_run_until(worker, finished))
    record = store.get_job(job.id)
    assert record is not None and record.state == "completed", record
    artifacts = store.list_artifacts(job.id)
    assert len(artifacts) == 3
    for artifact in artifacts:
        remote = artifact.metadata["remote"]
        assert remote["backend"] == "replicate" and remote["model"] == MODEL
        assert cog.starts(remote["remote_id"]) == 1  # kiln's request id was the prediction's id
        with Image.open(storage.path(artifact.storage_key)) as image:
            assert image.format == "PNG" and image.size == (96, 54)  # the predictor's 16:9
            assert json.loads(image.info["kiln"])["remote"]["remote_id"] == remote["remote_id"]
    assert worker.stats.done == 3 and worker.stats.started == 3


def test_a_worker_that_stops_mid_prediction_is_resumed_without_running_it_again(cog: CogServer, tmp_path: Path) -> None:
    store, storage = MemoryStore(), LocalStorage(tmp_path / "out")
    job = store.create_job(NewJob(), [replace(ITEM, steps=150)])  # 3 s
    settings = _settings(tmp_path)
    port = free_port()  # a fixed webhook port: the restarted worker keeps its webhook address

    def running() -> bool:
        [item] = store.list_items(job.id)
        record = store.get_job(job.id)
        return item.remote_id is not None and record is not None and record.running_progress > 0

    first = RemoteWorker(store, CogBackend(base_url=cog.url, webhook_port=port), storage, settings, "w1")
    asyncio.run(_run_until(first, running))  # stops it while the prediction runs: the item is released
    [item] = store.list_items(job.id)
    assert item.state == "pending" and item.remote_id is not None

    def finished() -> bool:
        record = store.get_job(job.id)
        return record is not None and record.state in ("completed", "failed")

    second = RemoteWorker(store, CogBackend(base_url=cog.url, webhook_port=port), storage, settings, "w2")
    asyncio.run(_run_until(second, finished))
    record = store.get_job(job.id)
    assert record is not None and record.state == "completed", record
    assert second.stats.resumed == 1 and second.stats.started == 0
    assert cog.starts(item.remote_id) == 1  # the prediction ran once, across both workers
    [artifact] = store.list_artifacts(job.id)
    assert artifact.metadata["remote"]["remote_id"] == item.remote_id
