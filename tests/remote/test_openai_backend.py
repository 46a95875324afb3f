"""The OpenAI-compatible backend and kiln's retries against a real local HTTP server: 429 with Retry-After and
500s are retried (the waits honour Retry-After, without sleeping in the test), other errors are not and carry the
remote's message, the Idempotency-Key is the request id, outputs come back as data: URIs, cancel sends DELETE."""

from __future__ import annotations

import asyncio
import base64
import io
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from PIL import Image

from kiln.config import Settings
from kiln.remote.openai_backend import OpenAIBackend
from kiln.remote.protocol import RemoteError, RemotePrediction, RemoteStatus
from kiln.remote.retry import backoff_delay, parse_retry_after, with_retries
from tests.helpers import make_item
from tests.remote.scripted_server import Answer, ScriptedServer, scripted_server


def png_b64() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), "red").save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


OK = Answer(200, {"created": 1, "data": [{"b64_json": png_b64()}]})


def backend_for(server: ScriptedServer, **settings: object) -> OpenAIBackend:
    values: dict[str, object] = {"openai_base_url": f"{server.url}/v1", "openai_api_key": "sk-test"}
    values |= {"remote_prices": {"openai:tiny-sd": 0.01}}
    return OpenAIBackend(Settings(**values | settings))  # type: ignore[arg-type]


class Sleeps:
    """Records the waits `with_retries` asks for instead of sleeping them."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def run_start(backend: OpenAIBackend, sleeps: Sleeps, retries: int = 5) -> RemotePrediction:
    item = make_item(0, model="openai:tiny-sd", width=32, height=32, seed=7)

    async def go() -> RemotePrediction:
        try:
            return await with_retries(
                lambda: backend.start("tiny-sd", item, request_id="kiln-job-1-a0-abcd"),
                retries=retries,
                what="openai request",
                sleep=sleeps,
            )
        finally:
            await backend.aclose()

    return asyncio.run(go())


def test_429_with_retry_after_and_500s_are_retried_until_the_images_come() -> None:
    answers = [
        Answer(429, {"error": {"message": "slow down"}}, {"Retry-After": "7"}),
        Answer(500, {"error": {"message": "boom"}}),
        Answer(503, None),
        OK,
    ]
    sleeps = Sleeps()
    with scripted_server(answers) as server:
        prediction = run_start(backend_for(server), sleeps)
    assert [r.method + " " + r.path for r in server.received] == ["POST /v1/images/generations"] * 4
    assert len(sleeps.waits) == 3 and sleeps.waits[0] >= 7.0  # the 429's Retry-After, honoured
    assert sleeps.waits[1] < 7.0  # the 500 had none: exponential backoff from 0.5 s
    assert {r.headers["idempotency-key"] for r in server.received} == {"kiln-job-1-a0-abcd"}  # the same key
    assert server.received[0].headers["authorization"] == "Bearer sk-test"
    assert server.received[0].body == {
        "model": "tiny-sd", "prompt": "a small red house number 0", "n": 1, "size": "32x32",
        "response_format": "b64_json", "output_format": "png",
    }  # fmt: skip
    assert prediction.status == RemoteStatus.SUCCEEDED and prediction.remote_id == "kiln-job-1-a0-abcd"
    assert prediction.outputs[0].startswith("data:image/png;base64,") and prediction.cost_usd == 0.01


def test_an_error_that_a_retry_cannot_fix_is_raised_at_once_with_the_remotes_message() -> None:
    answer = Answer(400, {"error": {"message": "size 33x33 is not supported", "param": "size"}})
    sleeps = Sleeps()
    with scripted_server([answer]) as server, pytest.raises(RemoteError) as raised:
        run_start(backend_for(server), sleeps)
    assert len(server.received) == 1 and sleeps.waits == []
    assert not raised.value.retryable and raised.value.status_code == 400
    assert raised.value.message == "openai answered 400: size 33x33 is not supported"


def test_500s_give_up_after_the_retries_saying_so() -> None:
    sleeps = Sleeps()
    with scripted_server([Answer(500, {"error": {"message": "down"}})]) as server, pytest.raises(RemoteError) as raised:
        run_start(backend_for(server), sleeps, retries=3)
    assert len(server.received) == 4 and len(sleeps.waits) == 3
    for attempt, wait in enumerate(sleeps.waits):  # exponential from 0.5 s, jittered down by at most half
        assert 0.25 * 2**attempt <= wait <= 0.5 * 2**attempt
    assert "gave up after 3 retries" in raised.value.message and "down" in raised.value.message


def test_kiln_fields_are_sent_when_the_remote_is_another_kiln() -> None:
    with scripted_server([OK]) as server:
        run_start(backend_for(server, openai_kiln_fields=True), Sleeps())
    body = server.received[0].body
    assert body["seed"] == 7 and body["steps"] == 2


def test_cancel_sends_delete_for_the_key_and_ignores_servers_without_it() -> None:
    with scripted_server([Answer(405, {"error": {"message": "no such route"}})]) as server:
        backend = backend_for(server)

        async def go() -> None:
            await backend.cancel("kiln-job-1-a0-abcd")
            await backend.aclose()

        asyncio.run(go())
    assert [(r.method, r.path) for r in server.received] == [("DELETE", "/v1/images/generations/kiln-job-1-a0-abcd")]


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    assert parse_retry_after("3") == 3.0 and parse_retry_after(" 0.5 ") == 0.5
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now=now) == 30.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None
    assert parse_retry_after("99999") == 600.0  # capped
    assert backoff_delay(0, 12.0) == 12.0 and 0.25 <= backoff_delay(0, None) <= 0.5


def test_an_answer_that_says_not_to_retry_is_not_retried() -> None:
    answer = Answer(500, {"error": {"message": "every item failed"}}, {"x-should-retry": "false"})
    sleeps = Sleeps()
    with scripted_server([answer]) as server, pytest.raises(RemoteError) as raised:
        run_start(backend_for(server), sleeps)
    assert len(server.received) == 1 and sleeps.waits == [] and not raised.value.retryable
