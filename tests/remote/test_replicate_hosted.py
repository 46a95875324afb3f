"""The Replicate backend against recorded transcripts of Replicate's hosted API, served by a real local HTTP server
(`tests/remote/transcript_server.py`; the transcripts are reconstructed from Replicate's documented API shapes,
not captured): what the hosted API does and a Cog server does not: `Prefer: wait`, the model-scoped and version
endpoints, polling by GET, the token, problem-document errors, rate limits with Retry-After, prices."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest
from PIL import Image

from kiln.remote.protocol import RemoteError, RemotePrediction, RemoteStatus
from kiln.remote.replicate import ReplicateBackend, replicate_backend, wait_for
from kiln.types import ImageItem
from tests.remote.transcript_server import Transcript, transcript_server

T = TypeVar("T")
TOKEN = "r8_kilnTestToken"
SCHNELL = "black-forest-labs/flux-schnell"
PINNED = "replicate:kiln-tests/slow-flux:5599ed30703defd1d160a25a63321b4dec97101d98b4674bcc56e41f62f35637"
PRICES = {f"replicate:{SCHNELL}": 0.003}
ITEM = ImageItem(
    index=0,
    prompt="a lighthouse at dusk",
    negative_prompt="",
    user_prompt="a lighthouse at dusk",
    model=f"replicate:{SCHNELL}",
    width=1024,
    height=1024,
    steps=4,
    guidance=0.0,
    seed=42,
    output_format="webp",
    output_quality=80,
)


def played(
    name: str,
    scenario: Callable[[ReplicateBackend, Transcript], Awaitable[T]],
    *,
    price_per_second: float | None = None,
) -> T:
    """Run `scenario` against the transcript `name`; every pair must have been asked for, as recorded."""
    with transcript_server(name) as transcript:

        async def main() -> T:
            backend = ReplicateBackend(
                token=TOKEN, base_url=transcript.urls["api"], prices=PRICES, price_per_second=price_per_second
            )
            try:
                return await scenario(backend, transcript)
            finally:
                await backend.aclose()

        result = asyncio.run(main())
        assert transcript.problems == []
        assert transcript.pending == [], "the backend stopped before the transcript's end"
        return result


def test_prefer_wait_finishes_in_the_answer_that_creates_the_prediction() -> None:
    async def scenario(backend: ReplicateBackend, transcript: Transcript) -> None:
        prediction = await backend.start(SCHNELL, ITEM, request_id="kiln-1-1-a1")
        assert prediction.status is RemoteStatus.SUCCEEDED  # no poll: the transcript has no GET
        assert prediction.remote_id == "q8bk2v7h9xrm80cmw3fv3x4cjr"
        assert prediction.progress == 1.0
        assert prediction.cost_usd == pytest.approx(0.003)  # the price table: one image of flux-schnell
        assert prediction.metrics["predict_time"] == pytest.approx(0.642)
        assert prediction.outputs == [f"{transcript.urls['delivery']}/xezq/q8bk2v7h/out-0.webp"]
        image = Image.open(io.BytesIO(await backend.download(prediction.outputs[0])))  # no token sent there
        assert image.format == "WEBP" and image.size == (64, 64)

    played("prefer_wait_succeeds", scenario)


def test_a_pinned_version_that_outlasts_prefer_wait_is_polled_until_done() -> None:
    async def scenario(backend: ReplicateBackend, transcript: Transcript) -> None:
        started = await backend.start(PINNED, ITEM, request_id="r")
        assert started.status is RemoteStatus.STARTING and started.progress is None
        seen: list[RemotePrediction] = []

        async def record(prediction: RemotePrediction) -> None:
            seen.append(prediction)

        done = await wait_for(backend, started, first_delay=0.001, on_update=record)
        assert [p.status for p in seen] == [RemoteStatus.PROCESSING, RemoteStatus.SUCCEEDED]
        assert seen[0].progress == 0.5  # the last tqdm line of the logs so far: " 50%|█████     | 2/4"
        assert done.outputs == [f"{transcript.urls['delivery']}/xezq/r3c0/out.webp"]  # one URL, not a list
        assert done.cost_usd == pytest.approx(12.5 * 0.001)  # not in the price table: predict_time x per second
        assert len(await backend.download(done.outputs[0])) > 0

    played("polls_until_done", scenario, price_per_second=0.001)


def test_a_rate_limit_is_retryable_after_its_retry_after() -> None:
    async def scenario(backend: ReplicateBackend, transcript: Transcript) -> None:
        with pytest.raises(RemoteError) as caught:
            await backend.start(SCHNELL, ITEM, request_id="r")
        assert caught.value.retryable and caught.value.retry_after == 7.0 and caught.value.status_code == 429
        assert "throttled" in caught.value.message
        again = await backend.start(SCHNELL, ITEM, request_id="r")  # the worker retries after 7 s
        assert again.status is RemoteStatus.SUCCEEDED

    played("rate_limited", scenario)


def _refused(name: str) -> RemoteError:
    async def scenario(backend: ReplicateBackend, transcript: Transcript) -> RemoteError:
        with pytest.raises(RemoteError) as caught:
            await backend.start(
                "nobody/no-such-model" if name == "unknown_model" else f"replicate:{SCHNELL}",
                ITEM,
                request_id="r",
            )
        return caught.value

    return played(name, scenario)


def test_an_input_the_model_refuses_names_the_field_to_change() -> None:
    error = _refused("invalid_input")
    assert not error.retryable and error.status_code == 422
    assert "Must be less than or equal to 4" in error.message  # Replicate's own detail
    assert "change the input field input.num_inference_steps" in error.message


def test_a_bad_token_says_to_set_the_token() -> None:
    error = _refused("bad_token")
    assert not error.retryable and error.status_code == 401
    assert "You did not pass a valid authentication token" in error.message
    assert "REPLICATE_API_TOKEN" in error.message


def test_an_unknown_model_says_to_check_its_name() -> None:
    error = _refused("unknown_model")
    assert not error.retryable and error.status_code == 404
    assert "check the model name 'nobody/no-such-model'" in error.message


def test_a_server_error_is_retryable() -> None:
    error = _refused("server_error")
    assert error.retryable and error.status_code == 503 and error.retry_after is None


def test_a_failed_prediction_carries_the_models_error() -> None:
    async def scenario(backend: ReplicateBackend, transcript: Transcript) -> None:
        started = await backend.start(SCHNELL, ITEM, request_id="r")
        assert started.status is RemoteStatus.PROCESSING
        final = await wait_for(backend, started, first_delay=0.001)
        assert final.status is RemoteStatus.FAILED
        assert final.error is not None and "NSFW" in final.error
        assert final.outputs == [] and final.cost_usd is None

    played("failed_prediction", scenario)


def test_cancel_cancels_the_prediction() -> None:
    async def scenario(backend: ReplicateBackend, transcript: Transcript) -> None:
        started = await backend.start(SCHNELL, ITEM, request_id="r")
        await backend.cancel(started.remote_id)
        assert (await backend.get(started.remote_id)).status is RemoteStatus.CANCELED

    played("cancel", scenario)


def test_no_token_is_refused_before_any_request() -> None:
    async def main() -> None:
        backend = ReplicateBackend(token=None, base_url="http://127.0.0.1:9/v1")
        try:
            with pytest.raises(RemoteError, match="set REPLICATE_API_TOKEN"):
                await backend.start(SCHNELL, ITEM, request_id="r")
        finally:
            await backend.aclose()

    asyncio.run(main())


def test_the_hosted_api_is_chosen_for_a_v1_base_url() -> None:
    async def main() -> None:
        backend = replicate_backend(token=TOKEN)
        assert isinstance(backend, ReplicateBackend) and backend.base_url == "https://api.replicate.com/v1"
        await backend.aclose()

    asyncio.run(main())
