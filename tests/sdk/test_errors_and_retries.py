"""Error bodies become typed exceptions; transient failures are retried with backoff, but never in a way that
could run a job twice."""

from __future__ import annotations

import time

import httpx
import pytest

from kiln.sdk import (
    AuthenticationError,
    KilnAPIError,
    KilnConnectionError,
    NotFoundError,
    PayloadTooLargeError,
    QuotaExceededError,
    RetryPolicy,
    ServerError,
    ValidationError,
)
from kiln.sdk.errors import error_from_response
from tests.sdk.fakes import Recorder, client, error, job_body


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (401, AuthenticationError),
        (404, NotFoundError),
        (413, PayloadTooLargeError),
        (422, ValidationError),
        (429, QuotaExceededError),
        (500, ServerError),
        (503, ServerError),
        (400, KilnAPIError),
    ],
)
def test_statuses_map_to_exceptions(status: int, cls: type[KilnAPIError]) -> None:
    recorder = Recorder(lambda request: error(status, "some_type", "what went wrong", "items.0.width"))
    with client(recorder, retries=0) as kiln, pytest.raises(cls) as caught:
        kiln.get_job("job_1")
    assert type(caught.value) is cls
    assert (caught.value.status, caught.value.type, caught.value.message, caught.value.field) == (
        status,
        "some_type",
        "what went wrong",
        "items.0.width",
    )
    assert "items.0.width" in str(caught.value)


def test_bodies_other_than_kilns() -> None:
    detail = error_from_response(httpx.Response(405, json={"detail": "Method Not Allowed"}))
    assert (detail.type, detail.message) == ("method_not_allowed", "Method Not Allowed")
    text = error_from_response(httpx.Response(502, text="bad gateway from the proxy"))
    assert isinstance(text, ServerError) and text.message == "bad gateway from the proxy" and text.field is None


def test_quota_error_tells_when_to_come_back() -> None:
    response = httpx.Response(
        429, json={"error": {"type": "quota_exceeded", "message": "quota"}}, headers={"Retry-After": "30"}
    )
    exc = error_from_response(response)
    assert isinstance(exc, QuotaExceededError) and exc.retry_after == 30.0


def test_backoff_doubles_up_to_a_cap_and_follows_retry_after() -> None:
    policy = RetryPolicy(retries=6, backoff=0.5, max_backoff=4.0, jitter=0.0)
    assert [policy.delay(n) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert policy.delay(0, retry_after="7") == 7.0
    assert policy.delay(0, retry_after="Wed, 21 Oct 2015 07:28:00 GMT") == 0.5
    jittered = RetryPolicy(backoff=1.0, jitter=0.1)
    assert all(1.0 <= jittered.delay(0) <= 1.1 for _ in range(50))


def test_idempotent_requests_retry_transient_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    recorder = Recorder(
        [
            httpx.ConnectError("refused"),
            httpx.Response(503, headers={"Retry-After": "2"}),
            httpx.ReadError("reset"),
            httpx.Response(502),
            httpx.Response(200, json=job_body()),
        ]
    )
    with client(recorder, retries=4, backoff=0.25) as kiln:
        assert kiln.get_job("job_1").id == "job_1"
    assert len(recorder.requests) == 5
    assert slept[1] == 2.0  # the server's Retry-After
    assert 0.25 <= slept[0] <= 0.3 and 1.0 <= slept[2] <= 1.1 and 2.0 <= slept[3] <= 2.2


def test_retries_run_out() -> None:
    with client(Recorder(lambda request: httpx.Response(504)), retries=2) as kiln, pytest.raises(ServerError):
        kiln.get_job("job_1")
    recorder = Recorder(lambda request: (_ for _ in ()).throw(httpx.ConnectError("refused")))
    with client(recorder, retries=2) as kiln, pytest.raises(KilnConnectionError, match="ConnectError"):
        kiln.cancel("job_1")
    assert len(recorder.requests) == 3


def test_client_errors_are_not_retried() -> None:
    recorder = Recorder(lambda request: error(404, "not_found", "no job"))
    with client(recorder, retries=3) as kiln, pytest.raises(NotFoundError):
        kiln.get_job("job_1")
    assert len(recorder.requests) == 1


def test_a_submit_is_retried_only_when_the_server_saw_nothing() -> None:
    created = httpx.Response(202, json={"id": "job_1", "kind": "images", "state": "queued", "total": 1, "links": {}})
    refused = Recorder([httpx.ConnectError("refused"), httpx.ConnectTimeout("slow"), created])
    with client(refused) as kiln:
        assert kiln.submit_job(["a fox"]).id == "job_1"
    assert len(refused.requests) == 3

    for failure in (httpx.ReadError("reset after sending"), httpx.RemoteProtocolError("no answer")):
        sent = Recorder([failure, created])
        with client(sent) as kiln, pytest.raises(KilnConnectionError):
            kiln.submit_job(["a fox"])
        assert len(sent.requests) == 1  # it may have reached the server: a retry could duplicate the job

    unavailable = Recorder([httpx.Response(503), created])
    with client(unavailable) as kiln, pytest.raises(ServerError):
        kiln.submit_job(["a fox"])
    assert len(unavailable.requests) == 1


def test_generate_is_not_retried_after_sending() -> None:
    recorder = Recorder([httpx.Response(504, json={"error": {"type": "timeout", "message": "still working"}})])
    with client(recorder) as kiln, pytest.raises(ServerError, match="still working"):
        kiln.generate("a fox")
    assert len(recorder.requests) == 1
