"""The SDK against the real API over HTTP: uvicorn, SQLite, auth on, and a fake worker making PNGs."""

from __future__ import annotations

import asyncio
import io
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from kiln.sdk import (
    AsyncClient,
    AuthenticationError,
    Client,
    Event,
    ImageFields,
    Job,
    JobStatus,
    KilnAPIError,
    NotFoundError,
    ValidationError,
)
from tests.sdk.server import FAIL_WORD, LiveServer, live_server

SPEC: ImageFields = {"width": 64, "height": 64, "steps": 2}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("kiln-sdk")) as live:
        yield live


@pytest.fixture
def kiln(server: LiveServer) -> Iterator[Client]:
    with Client(server.url, api_key=server.key, timeout=20, backoff=0.01) as client:
        yield client


def test_wait_sees_progress_then_completion(server: LiveServer, kiln: Client) -> None:
    # the worker may make image k only once the test has seen k images done: every step must be reported
    gate = threading.Semaphore(0)
    released = 0
    seen: list[JobStatus] = []

    def on_progress(status: JobStatus) -> None:
        nonlocal released
        seen.append(status)
        while released <= status.counts.done and released < 3:
            gate.release()
            released += 1

    server.worker.gate = gate
    try:
        job = kiln.submit_job(["a red fox", "a blue heron", "a green frog"], defaults=SPEC)
        final = job.wait(on_progress=on_progress, timeout=60, poll_interval=1e-6)
    finally:
        server.worker.gate = None
    assert final.state == "completed" and final.counts.done == 3 and final.progress == 1.0
    assert final.finished_at is not None and job.status == final
    done = [status.counts.done for status in seen]
    assert done == sorted(done) and {0, 1, 2, 3} <= set(done)
    assert seen[-1] == final


def test_results_and_downloads(server: LiveServer, kiln: Client, tmp_path: Path) -> None:
    items = [{"prompt": "a fox", "seed": 11, "name": "fox"}, {"prompt": "a heron", "seed": 12}]
    job = kiln.submit_job(items=items, defaults=SPEC)
    assert job.wait(timeout=60, poll_interval=0.05).state == "completed"
    results = job.results()
    assert [(r.index, r.seed, r.width, r.content_type) for r in results] == [
        (0, 11, 64, "image/png"),
        (1, 12, 64, "image/png"),
    ]
    data = kiln.download(results[0])
    assert data == server.storage.read(f"{job.id}/00000_11.png")
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (64, 64)
    assert kiln.download(results[1].artifact_id, tmp_path / "one.png").read_bytes()[:4] == b"\x89PNG"
    paths = job.download_all(tmp_path / "all")
    assert [p.name for p in paths] == ["fox.png", "00001_12.png"]
    assert paths[0].read_bytes() == data
    archive = kiln.download_zip(job.id, tmp_path)
    with zipfile.ZipFile(archive) as zipped:
        assert sorted(zipped.namelist()) == ["00000_11.png", "00001_12.png"]
    assert [a.index for a in kiln.artifacts(job.id)] == [0, 1]
    assert [i.state for i in kiln.items(job.id).data] == ["done", "done"]


def test_events_come_in_order_and_resume_after_an_id(kiln: Client) -> None:
    job = kiln.submit_job(["one", "two"], defaults=SPEC)
    events = list(job.events())
    ids = [event.id for event in events]
    assert ids == sorted(set(ids))
    assert (events[0].type, events[0].data["state"]) == ("job.state", "queued")
    assert events[-1].is_final and events[-1].data["state"] == "completed"
    done = sorted(e.data["index"] for e in events if e.type == "item.state" and e.data["state"] == "done")
    assert done == [0, 1]
    assert any(event.type == "item.progress" for event in events)
    assert all(event.job_id == job.id for event in events)
    assert list(job.events(after=events[2].id)) == events[3:]


class DroppingTransport(httpx.HTTPTransport):
    """Real HTTP, but the first event stream breaks after its first chunk, as a flaky network would."""

    def __init__(self) -> None:
        super().__init__()
        self.event_requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if request.url.path.endswith("/events"):
            self.event_requests.append(request)
            if len(self.event_requests) == 1:
                inner = response.stream
                assert isinstance(inner, httpx.SyncByteStream)
                response.stream = _BreakAfterEvent(inner)
        return response


class _BreakAfterEvent(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream) -> None:
        self.inner = inner

    def __iter__(self) -> Iterator[bytes]:
        sent = b""
        for chunk in self.inner:
            sent += chunk
            if sent.count(b"id: ") >= 3:  # two whole events and the start of a third
                yield chunk[: len(chunk) - (len(sent) - sent.rindex(b"id: ")) + 6]
                raise httpx.ReadError("the test dropped the connection")
            yield chunk

    def close(self) -> None:
        self.inner.close()


def test_a_dropped_stream_resumes_from_the_last_event(server: LiveServer, kiln: Client) -> None:
    job = kiln.submit_job(["a dropped stream"], n=2, defaults=SPEC)
    job.wait(timeout=60, poll_interval=0.05)
    everything = list(job.events())
    transport = DroppingTransport()
    with Client(server.url, api_key=server.key, transport=transport, backoff=0.01) as flaky:
        resumed = list(Job(flaky, job.status).events())
    assert resumed == everything
    assert len(transport.event_requests) == 2
    assert int(transport.event_requests[1].headers["last-event-id"]) < everything[-1].id


def test_sync_generation(kiln: Client) -> None:
    images = kiln.generate("a lighthouse", n=2, seed=40, width=64, height=64, steps=2, timeout=60)
    assert [(image.seed, image.width) for image in images] == [(40, 64), (41, 64)]
    assert all(image.data[:4] == b"\x89PNG" for image in images)
    by_url = kiln.generate("a lighthouse", seed=40, width=64, height=64, steps=2, response_format="url", timeout=60)
    assert by_url[0].url is not None and "signature=" in by_url[0].url
    assert by_url[0].data[:4] == b"\x89PNG"


def test_failures_retry_cancel_and_delete(server: LiveServer, kiln: Client) -> None:
    job = kiln.submit_job(["fine", f"{FAIL_WORD} on purpose"], defaults=SPEC)
    final = job.wait(timeout=60, poll_interval=0.05)
    assert (final.state, final.counts.done, final.counts.failed) == ("completed", 1, 1)
    assert [(e.index, e.error) for e in final.errors] == [(1, "the fake engine was told to fail")]
    assert job.retry().state in ("queued", "running")
    assert job.wait(timeout=60, poll_interval=0.05).counts.failed == 1

    server.worker.gate = threading.Semaphore(0)  # nothing runs: the job stays queued
    try:
        held = kiln.submit_job(["never made"], defaults=SPEC)
        assert held.set_priority(4).priority == 4
        assert held.cancel().state == "canceled"
        with pytest.raises(KilnAPIError) as refused:
            held.set_priority(5)
        assert refused.value.status == 409 and "is canceled" in refused.value.message
        assert held.wait(timeout=10).state == "canceled"
    finally:
        server.worker.gate = None
    assert {j.id for j in kiln.iter_jobs(state="canceled")} >= {held.id}

    held.delete()
    with pytest.raises(NotFoundError):
        kiln.get_job(held.id)


def test_errors_are_typed(server: LiveServer, kiln: Client) -> None:
    with Client(server.url, api_key="kiln_not_a_key") as stranger, pytest.raises(AuthenticationError) as caught:
        stranger.list_jobs()
    assert caught.value.status == 401 and caught.value.type == "unauthorized"

    job = kiln.submit_job(["mine alone"], defaults=SPEC)
    with Client(server.url, api_key=server.other_key) as other:
        with pytest.raises(NotFoundError) as missing:
            other.get_job(job.id)
        assert missing.value.status == 404
        with pytest.raises(NotFoundError):
            list(Job(other, job.status).events())
        with pytest.raises(NotFoundError):
            Job(other, job.status).wait(timeout=10)
        assert job.id not in {j.id for j in other.list_jobs()}

    with pytest.raises(ValidationError) as invalid:
        kiln.submit_job(["x"], defaults={"steps": 0})
    assert invalid.value.status == 422 and invalid.value.field == "defaults.steps"
    job.wait(timeout=60, poll_interval=0.05)


def test_about_the_server(kiln: Client) -> None:
    assert kiln.health()["status"] == "ok" and kiln.ready()["ready"] is True
    assert any(model.id == "tiny-sd" and model.default for model in kiln.models())
    assert kiln.styles()
    assert "qualities" in kiln.presets()
    assert kiln.usage().images_last_24h > 0
    report = kiln.tokens("a red fox " * 60, model="tiny-sd")
    assert report.model == "tiny-sd" and any(encoder.truncated for encoder in report.encoders)


def test_async_client(server: LiveServer) -> None:
    async def main() -> tuple[JobStatus, list[JobStatus], list[Event], bytes, bytes]:
        async with AsyncClient(server.url, api_key=server.key, timeout=20, backoff=0.01) as kiln:
            job = await kiln.submit_job(["an async fox", "an async heron"], defaults=SPEC)
            seen: list[JobStatus] = []
            final = await job.wait(on_progress=seen.append, timeout=60, poll_interval=0.01)
            events = [event async for event in job.events()]
            results = await job.results()
            data = await kiln.download(results[0])
            async with AsyncClient(server.url, api_key="kiln_not_a_key") as stranger:
                with pytest.raises(AuthenticationError):
                    await stranger.get_job(job.id)
            async with AsyncClient(server.url, api_key=server.other_key) as other:
                with pytest.raises(NotFoundError):
                    await other.get_job(job.id)
            return final, seen, events, data, server.storage.read(f"{job.id}/00000_{results[0].seed}.png")

    final, seen, events, data, stored = asyncio.run(main())
    assert final.state == "completed" and final.counts.done == 2
    assert seen[-1] == final
    assert [e.id for e in events] == sorted({e.id for e in events}) and events[-1].is_final
    assert data == stored
