"""kiln's provider worker on the OpenAI-compatible backend against a real local HTTP server: an item the remote
refuses fails with the remote's own words (not retried), an item that comes back is stored with kiln's recipe and
its cost; the local worker's claims never take these items."""

from __future__ import annotations

import asyncio
from pathlib import Path

from kiln.config import Settings
from kiln.jobs.memory import MemoryStore
from kiln.jobs.records import NewJob
from kiln.media.images import read_metadata
from kiln.remote.openai_backend import OpenAIBackend
from kiln.remote.worker import RemoteWorker
from kiln.storage.local import LocalStorage
from tests.helpers import make_item
from tests.remote.scripted_server import Answer, scripted_server
from tests.remote.test_openai_backend import OK


def run_until_settled(worker: RemoteWorker, store: MemoryStore, job_id: str) -> None:
    async def go() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run(stop))

        def settled() -> bool:
            job = store.get_job(job_id)
            return job is not None and job.state in ("completed", "failed")

        while not settled():
            await asyncio.sleep(0.01)
        stop.set()
        await task

    asyncio.run(asyncio.wait_for(go(), timeout=60))


def test_a_refused_item_fails_with_the_remotes_words_and_the_others_are_stored(tmp_path: Path) -> None:
    refused = Answer(400, {"error": {"message": "your prompt was refused by the safety system"}})
    # one request at a time, in claim order: the second item (index 1) is the one refused
    settings = Settings(
        openai_base_url="http://placeholder/v1", openai_concurrency=1, remote_prices={"openai:m": 0.25},
        data_dir=tmp_path / "data", output_dir=tmp_path / "out",
    )  # fmt: skip
    store = MemoryStore()
    job = store.create_job(
        NewJob(owner="alice"), [make_item(i, model="openai:m", width=32, height=32) for i in range(3)]
    )
    with scripted_server([OK, refused, OK]) as server:
        settings = settings.model_copy(update={"openai_base_url": f"{server.url}/v1"})
        worker = RemoteWorker(store, OpenAIBackend(settings), LocalStorage(tmp_path / "out"), settings, "remote-1")
        assert store.claim("local", max_items=10, lease_seconds=30) is None  # a local worker never takes them
        run_until_settled(worker, store, job.id)
    records = {record.index: record for record in store.list_items(job.id)}
    assert [records[i].state for i in range(3)] == ["done", "failed", "done"]
    assert records[1].error == "openai answered 400: your prompt was refused by the safety system"
    assert len(server.received) == 3  # the refusal was not retried
    artifacts = store.list_artifacts(job.id)
    assert [a.metadata["remote"]["cost_usd"] for a in artifacts] == [0.25, 0.25]
    recipe = read_metadata((tmp_path / "out" / artifacts[0].storage_key).read_bytes()).recipe
    assert recipe is not None and recipe["remote"]["remote_id"] == records[0].remote_id
    since = job.created_at.replace(year=job.created_at.year - 1)
    assert store.remote_cost_since("alice", since) == 0.5
