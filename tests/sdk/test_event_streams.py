"""Following a job: `events()` resumes a dropped stream after the last event, `wait()` follows the stream (or
polls without one) and reports progress; the async client does the same."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from kiln.sdk import AsyncJob, AuthenticationError, Job, JobStatus, NotFoundError, StreamUnavailable, WaitTimeout
from tests.sdk.fakes import Recorder, async_client, client, error, event_stream, job_body, sse

RUNNING = {"state": "running", "total": 2, "counts": {}}
COMPLETED = {"state": "completed", "total": 2, "counts": {}}


def dropping_server() -> Recorder:
    """Events 1-2 and half of 3, then the connection drops; the second connection resumes (replaying 2)."""
    third = sse(3, "item.state", {"index": 0, "state": "done"})
    first = [
        b"retry: 0\n\n",
        sse(1, "job.state", RUNNING),
        sse(2, "item.state", {"index": 0, "state": "running"}),
        third[:25],
    ]
    second = [sse(2, "item.state", {"index": 0, "state": "running"}), third, sse(4, "job.state", COMPLETED)]
    return Recorder([event_stream(first, fail=True), event_stream(second)])


def check_resumed(recorder: Recorder, ids: list[int]) -> None:
    assert ids == [1, 2, 3, 4]
    assert len(recorder.requests) == 2
    assert "last-event-id" not in recorder.requests[0].headers
    assert recorder.requests[1].headers["last-event-id"] == "2"
    assert recorder.requests[1].headers["accept"] == "text/event-stream"


def test_events_resume_after_a_dropped_connection() -> None:
    recorder = dropping_server()
    with client(recorder) as kiln:
        events = list(Job(kiln, JobStatus(id="job_1", state="running")).events())
    check_resumed(recorder, [event.id for event in events])
    assert [event.type for event in events] == ["job.state", "item.state", "item.state", "job.state"]
    assert events[-1].is_final and events[2].data == {"index": 0, "state": "done"}


def test_events_start_after_a_given_id_and_stop_when_the_job_is_over() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/events"):
            # nothing new after the last event: the job is already over, so the server just closes
            return event_stream([b": keep-alive\n\n"])
        return httpx.Response(200, json=job_body(state="completed"))

    recorder = Recorder(answer)
    with client(recorder) as kiln:
        job = kiln.get_job("job_1")
        assert list(job.events(after=41)) == []
    assert recorder.requests[1].headers["last-event-id"] == "41"
    assert [r.url.path for r in recorder.requests] == ["/v1/jobs/job_1", "/v1/jobs/job_1/events", "/v1/jobs/job_1"]


def test_a_stream_that_ends_early_is_reopened() -> None:
    answers = [
        httpx.Response(200, json=job_body()),
        event_stream([b"retry: 0\n\n", sse(1, "job.state", RUNNING)]),  # closed by a proxy, job still running
        event_stream([b"retry: 0\n\n"]),  # nothing new: the client looks at the job
        httpx.Response(200, json=job_body()),
        event_stream([sse(2, "job.state", COMPLETED)]),
    ]
    recorder = Recorder(answers)
    with client(recorder) as kiln:
        assert [event.id for event in kiln.get_job("job_1").events()] == [1, 2]
    assert recorder.requests[4].headers["last-event-id"] == "1"


def test_wait_follows_the_stream_and_reports_progress() -> None:
    statuses = iter(
        [
            job_body(state="queued"),
            job_body(state="running", progress=0.5, counts={"pending": 0, "running": 1, "done": 1}),
            job_body(state="completed", progress=1.0, counts={"pending": 0, "running": 0, "done": 2}),
        ]
    )

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/events"):
            return event_stream(
                [
                    sse(1, "job.state", RUNNING),
                    sse(2, "item.state", {"index": 0, "state": "done"}),
                    b": keep-alive\n\n",
                    sse(3, "job.state", COMPLETED),
                ]
            )
        return httpx.Response(200, json=next(statuses))

    seen: list[JobStatus] = []
    with client(Recorder(answer)) as kiln:
        job = Job(kiln, JobStatus(id="job_1", state="queued"))
        final = job.wait(on_progress=seen.append, poll_interval=60)
    assert final.state == "completed" and job.status is final
    assert [s.state for s in seen] == ["queued", "running", "completed"]
    assert seen[1].progress == 0.5


def test_wait_polls_where_there_is_no_stream() -> None:
    states = iter(["queued", "running", "running", "completed"])

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/events"):
            return httpx.Response(200, text="<html>a proxy</html>", headers={"content-type": "text/html"})
        return httpx.Response(200, json=job_body(state=next(states)))

    recorder = Recorder(answer)
    seen: list[str] = []
    with client(recorder) as kiln:
        job = kiln.get_job("job_1")
        assert job.wait(on_progress=lambda s: seen.append(s.state), poll_interval=0.01).state == "completed"
        with pytest.raises(StreamUnavailable):
            list(job.events())
    assert seen == ["running", "running", "completed"]


def test_wait_gives_up_at_its_timeout() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/events"):
            return event_stream([b"retry: 20\n\n", b": keep-alive\n\n"])
        return httpx.Response(200, json=job_body(state="running"))

    with client(Recorder(answer)) as kiln:
        job = kiln.get_job("job_1")
        with pytest.raises(WaitTimeout, match="job_1"):
            job.wait(timeout=0.2, poll_interval=0.05)
        assert isinstance(WaitTimeout("x"), TimeoutError)


def test_wait_raises_what_polling_would_meet() -> None:
    answers = [httpx.Response(200, json=job_body()), error(401, "unauthorized", "the API key is not valid")]
    with client(Recorder(answers)) as kiln:
        job = kiln.get_job("job_1")
        with pytest.raises(AuthenticationError):
            job.wait()


# -- the async client, the same ------------------------------------------------------------------------------


def test_async_events_resume_after_a_dropped_connection() -> None:
    recorder = dropping_server()

    async def main() -> list[int]:
        async with async_client(recorder) as kiln:
            return [event.id async for event in AsyncJob(kiln, JobStatus(id="job_1", state="running")).events()]

    check_resumed(recorder, asyncio.run(main()))


def test_async_wait_and_calls() -> None:
    statuses = iter([job_body(state="running"), job_body(state="completed", progress=1.0)])

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/jobs":
            return httpx.Response(
                202, json={"id": "job_1", "kind": "images", "state": "queued", "total": 2, "links": {}}
            )
        if request.url.path.endswith("/events"):
            return event_stream([sse(1, "job.state", RUNNING), sse(2, "job.state", COMPLETED)])
        if request.url.path.endswith("/cancel"):
            return httpx.Response(200, json=job_body(state="canceled"))
        if request.url.path.startswith("/v1/artifacts/"):
            return httpx.Response(200, content=b"image bytes")
        return httpx.Response(200, json=next(statuses))

    recorder = Recorder(answer)
    seen: list[str] = []

    async def main() -> None:
        async with async_client(recorder) as kiln:
            job = await kiln.submit_job(["a fox"], n=2)
            final = await job.wait(on_progress=lambda s: seen.append(s.state), poll_interval=60)
            assert final.state == "completed"
            assert await kiln.download("art_1") == b"image bytes"
            assert (await job.cancel()).state == "canceled"

    asyncio.run(main())
    assert seen == ["running", "completed"]
    assert recorder.json(0)["prompts"] == ["a fox"]


def test_async_errors_and_retries() -> None:
    recorder = Recorder([httpx.Response(503), httpx.ReadError("reset"), error(404, "not_found", "no job 'x'")])

    async def main() -> None:
        async with async_client(recorder, retries=3) as kiln:
            with pytest.raises(NotFoundError):
                await kiln.get_job("x")

    asyncio.run(main())
    assert len(recorder.requests) == 3
