"""The Replicate backend against a real Cog HTTP prediction server (`cog` from PyPI) serving a tiny predictor:
create, poll, outputs downloaded, progress from the logs, cancel, failures, a full server, and a restarted worker
that polls the prediction already running instead of starting another."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from kiln.remote.protocol import RemoteError, RemotePrediction, RemoteStatus
from kiln.remote.replicate import replicate_backend, wait_for
from kiln.remote.replicate_cog import CogBackend
from kiln.types import ImageItem
from tests.e2e.server import free_port
from tests.remote.cog_server import CogServer, cog_server

MODEL = "kiln-tests/tiny-cog"  # a Cog server serves one model: the name is not in its paths
ITEM = ImageItem(
    index=0,
    prompt="a lighthouse",
    negative_prompt="",
    user_prompt="a lighthouse",
    model=f"replicate:{MODEL}",
    width=1024,
    height=576,
    steps=8,
    guidance=0.0,
    seed=42,
    output_format="webp",
    output_quality=90,
)
SLOW = replace(ITEM, steps=1000)  # 1000 steps of 20 ms: 20 s, ended by cancel in every test that starts one


@pytest.fixture(scope="module")
def cog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CogServer]:
    """A real Cog server (one for this module) serving tests/remote/cog_predictor/predict.py."""
    with cog_server(Path(tmp_path_factory.mktemp("cog")) / "cog.log") as server:
        yield server


@pytest.fixture
def cog_url(cog: CogServer) -> str:
    return cog.url


async def _until(backend: CogBackend, remote_id: str, done: object) -> RemotePrediction:
    """Poll (a fresh read each time) until `done(prediction)`; at most 30 s."""
    async with asyncio.timeout(30):
        while True:
            prediction = await backend.get(remote_id)
            if done(prediction):  # type: ignore[operator]
                return prediction
            await asyncio.sleep(0.05)


async def _idle(backend: CogBackend) -> None:
    async with asyncio.timeout(30):
        while await backend.health() != "READY":
            await asyncio.sleep(0.05)


def test_a_base_url_without_v1_is_a_cog_server(cog_url: str) -> None:
    async def main() -> None:
        backend = replicate_backend(token=None, base_url=cog_url)
        assert isinstance(backend, CogBackend)
        await backend.aclose()

    asyncio.run(main())


def test_create_poll_and_download_the_outputs(cog_url: str) -> None:
    from tests.remote.cog_predictor.predict import colour  # imports cog: only once the server fixture found it

    async def main() -> None:
        backend = CogBackend(base_url=cog_url)
        try:
            started = await backend.start(MODEL, ITEM, request_id="item-create-1")
            assert started.remote_id == "item-create-1"
            assert started.status in (RemoteStatus.STARTING, RemoteStatus.PROCESSING)
            seen: list[RemotePrediction] = []

            async def record(prediction: RemotePrediction) -> None:
                seen.append(prediction)

            done = await wait_for(backend, started, first_delay=0.02, on_update=record)
            assert done.status is RemoteStatus.SUCCEEDED, done.error
            assert done.progress == 1.0
            assert "100%|" in done.logs and "8/8" in done.logs
            assert isinstance(done.metrics.get("predict_time"), float)
            assert done.cost_usd is None  # a local Cog server has no price
            assert len(done.outputs) == 1 and done.outputs[0].startswith("data:image/webp;base64,")
            image = Image.open(io.BytesIO(await backend.download(done.outputs[0])))
            assert image.format == "WEBP"
            assert image.size == (96, 54)  # 1024x576 went as aspect_ratio 16:9
            assert image.convert("RGB").getpixel((10, 10)) == pytest.approx(colour(42, 0), abs=6)  # seed 42 went
            assert seen[-1] == done
        finally:
            await backend.aclose()

    asyncio.run(main())


def test_progress_is_read_from_the_logs_and_cancel_stops_the_prediction(cog_url: str) -> None:
    async def main() -> None:
        backend = CogBackend(base_url=cog_url)
        try:
            started = await backend.start(MODEL, SLOW, request_id="item-cancel-1")
            running = await _until(backend, started.remote_id, lambda p: (p.progress or 0) > 0)
            assert running.status is RemoteStatus.PROCESSING
            assert 0 < (running.progress or 0) < 1
            await backend.cancel(started.remote_id)
            final = await _until(backend, started.remote_id, lambda p: p.status.terminal)
            assert final.status is RemoteStatus.CANCELED
            assert final.outputs == []
            assert "1000/1000" not in final.logs  # stopped before the last step
            await _idle(backend)  # the server's one slot is free again
            await backend.cancel(started.remote_id)  # canceling what is over is no error
        finally:
            await backend.aclose()

    asyncio.run(main())


def test_a_restarted_worker_polls_the_running_prediction_instead_of_starting_another(cog: CogServer) -> None:
    cog_url = cog.url

    async def main() -> None:
        first = CogBackend(base_url=cog_url)
        started = await first.start(MODEL, SLOW, request_id="item-restart-1")
        before = await _until(first, started.remote_id, lambda p: (p.progress or 0) >= 0.05)
        await first.aclose()  # the worker "crashes": its client and its webhook receiver are gone

        second = CogBackend(base_url=cog_url)
        try:
            # what a resumed worker does with an idempotent backend: start again with the stored request id
            resumed = await second.start(MODEL, SLOW, request_id="item-restart-1")
            assert resumed.status is RemoteStatus.PROCESSING
            assert resumed.logs.startswith(before.logs)  # the same run went on: it was not started again
            later = await _until(second, "item-restart-1", lambda p: len(p.logs) > len(resumed.logs))
            assert later.logs.startswith(resumed.logs)  # polled by the idempotent PUT
            assert (later.progress or 0) >= (before.progress or 0)
            await second.cancel("item-restart-1")
            final = await second.get("item-restart-1")  # its final webhook goes to the old worker: known here
            assert final.status is RemoteStatus.CANCELED
            await _idle(second)  # canceled on the server, and not started again by a poll
            assert (await second.get("item-restart-1")).status is RemoteStatus.CANCELED
        finally:
            await second.aclose()

    asyncio.run(main())
    assert cog.starts("item-restart-1") == 1


def test_with_a_stable_webhook_port_a_restarted_worker_gets_the_first_runs_result(cog: CogServer) -> None:
    port = free_port()
    item = replace(ITEM, steps=150)  # 3 s: still running when the second worker resumes it

    async def main() -> None:
        first = CogBackend(base_url=cog.url, webhook_port=port)
        await first.start(MODEL, item, request_id="item-stable-1")
        before = await _until(first, "item-stable-1", lambda p: (p.progress or 0) > 0)
        await first.aclose()

        second = CogBackend(base_url=cog.url, webhook_port=port)  # the same webhook address as before
        try:
            resumed = await second.start(MODEL, item, request_id="item-stable-1")
            assert resumed.status is RemoteStatus.PROCESSING and resumed.logs.startswith(before.logs)
            final = await wait_for(second, resumed, first_delay=0.05)
            assert final.status is RemoteStatus.SUCCEEDED and "150/150" in final.logs
            assert len(final.outputs) == 1
        finally:
            await second.aclose()

    asyncio.run(main())
    assert cog.starts("item-stable-1") == 1  # the result reached the new worker: nothing ran twice


def test_a_prediction_that_finished_while_no_worker_listened_runs_again_under_its_id(cog: CogServer) -> None:
    cog_url = cog.url

    async def main() -> None:
        first = CogBackend(base_url=cog_url)
        done = await wait_for(first, await first.start(MODEL, ITEM, request_id="item-gone-1"), first_delay=0.02)
        assert done.status is RemoteStatus.SUCCEEDED
        await first.aclose()  # its result went to this worker's webhook, which a crash would have lost

        second = CogBackend(base_url=cog_url)
        try:
            with pytest.raises(RemoteError, match="not started by this worker") as caught:
                await second.get("item-gone-1")  # a prediction id alone cannot be read back from Cog
            assert caught.value.status_code == 404 and not caught.value.retryable
            again = await second.start(MODEL, ITEM, request_id="item-gone-1")
            assert again.status is RemoteStatus.STARTING and again.logs == ""  # a new run of the same request
            final = await wait_for(second, again, first_delay=0.02)
            assert final.status is RemoteStatus.SUCCEEDED and final.remote_id == "item-gone-1"
            assert await second.download(final.outputs[0]) == await first.download(done.outputs[0])
        finally:
            await second.aclose()

    asyncio.run(main())
    assert cog.starts("item-gone-1") == 2  # the documented cost of a lost webhook on a Cog server: a rerun


def test_a_failing_prediction_reports_the_predictors_error(cog_url: str) -> None:
    async def main() -> None:
        backend = CogBackend(base_url=cog_url)
        try:
            item = replace(ITEM, prompt="please raise")
            final = await wait_for(backend, await backend.start(MODEL, item, request_id="item-fail-1"))
            assert final.status is RemoteStatus.FAILED
            assert final.error is not None and "asked the test predictor to fail" in final.error
            assert final.outputs == []
        finally:
            await backend.aclose()

    asyncio.run(main())


def test_a_busy_server_is_a_retryable_error(cog_url: str) -> None:
    async def main() -> None:
        backend = CogBackend(base_url=cog_url)
        try:
            await backend.start(MODEL, SLOW, request_id="item-busy-1")
            await _until(backend, "item-busy-1", lambda p: p.status is RemoteStatus.PROCESSING)
            with pytest.raises(RemoteError) as caught:
                await backend.start(MODEL, ITEM, request_id="item-busy-2")
            assert caught.value.retryable and caught.value.status_code == 409
            await backend.cancel("item-busy-1")
            await _until(backend, "item-busy-1", lambda p: p.status.terminal)
            await _idle(backend)
        finally:
            await backend.aclose()

    asyncio.run(main())


def test_an_unreachable_server_is_a_retryable_error() -> None:
    async def main() -> None:
        backend = CogBackend(base_url=f"http://127.0.0.1:{free_port()}")
        try:
            with pytest.raises(RemoteError) as caught:
                await backend.start(MODEL, ITEM, request_id="item-nowhere")
            assert caught.value.retryable
        finally:
            await backend.aclose()

    asyncio.run(main())


def test_health_says_ready(cog_url: str) -> None:
    async def main() -> None:
        backend = CogBackend(base_url=cog_url)
        try:
            assert await backend.health() == "READY"
        finally:
            await backend.aclose()

    asyncio.run(main())
