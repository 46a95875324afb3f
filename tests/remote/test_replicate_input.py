"""Pure units of the Replicate backend: the item → input mapping, model names, logs → progress, Retry-After,
errors read from answers, data: URIs, which API a base URL is."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest

from kiln.remote.protocol import RemoteError, RemoteStatus
from kiln.remote.replicate import decode_data_uri, is_cog_server
from kiln.remote.replicate_answers import error_from, prediction_from, progress_from_logs, retry_after_seconds
from kiln.remote.replicate_input import ModelRef, aspect_ratio, megapixels, parse_model, prediction_input
from kiln.types import ImageItem

ITEM = ImageItem(
    index=3,
    prompt="a red fox",
    negative_prompt="",
    user_prompt="a red fox",
    model="replicate:black-forest-labs/flux-schnell",
    width=1344,
    height=768,
    steps=4,
    guidance=0.0,
    seed=7,
    output_format="jpeg",
    output_quality=70,
)


def test_an_item_maps_onto_flux_schnells_inputs() -> None:
    ref = parse_model("replicate:black-forest-labs/flux-schnell")
    assert prediction_input(ref, ITEM) == {
        "prompt": "a red fox",
        "seed": 7,
        "num_outputs": 1,
        "num_inference_steps": 4,
        "aspect_ratio": "16:9",  # 1344x768 is 1.75: closest to 16:9 (1.78)
        "megapixels": "1",
        "go_fast": True,
        "output_format": "jpg",  # Replicate's name for jpeg
        "output_quality": 70,
    }
    assert prediction_input(ref, ITEM, go_fast=False)["go_fast"] is False


def test_steps_are_capped_where_the_models_schema_caps_them() -> None:
    many = replace(ITEM, steps=28)
    assert prediction_input(parse_model("black-forest-labs/flux-schnell"), many)["num_inference_steps"] == 4
    assert prediction_input(parse_model("black-forest-labs/flux-dev"), many)["num_inference_steps"] == 28


@pytest.mark.parametrize(
    ("width", "height", "ratio"),
    [(1024, 1024, "1:1"), (768, 1344, "9:16"), (1536, 640, "21:9"), (1152, 896, "5:4"), (832, 1216, "2:3")],
)
def test_the_closest_aspect_ratio_is_chosen(width: int, height: int, ratio: str) -> None:
    assert aspect_ratio(width, height) == ratio


def test_small_items_ask_for_a_quarter_megapixel() -> None:
    assert megapixels(512, 512) == "0.25"
    assert megapixels(704, 704) == "0.25"
    assert megapixels(768, 768) == "1"
    assert prediction_input(parse_model("a/b"), replace(ITEM, output_format="avif"))["output_format"] == "webp"


def test_model_names() -> None:
    assert parse_model("replicate:owner/name") == ModelRef("owner", "name")
    assert parse_model("owner/name:abc123") == ModelRef("owner", "name", "abc123")
    assert str(parse_model("owner/name:abc123")) == "owner/name:abc123"
    with pytest.raises(RemoteError, match="replicate:owner/model"):
        parse_model("flux-schnell")


def test_progress_is_the_last_tqdm_percentage() -> None:
    logs = "Using seed: 1\n  0%|          | 0/4\n 25%|██▌       | 1/4\n 50%|█████     | 2/4\n"
    assert progress_from_logs(logs) == 0.5
    assert progress_from_logs("Using seed: 1\n") is None
    assert progress_from_logs("") is None


def test_a_prediction_answer() -> None:
    data = {
        "id": "p1",
        "status": "succeeded",
        "output": "https://example.test/out.webp",
        "logs": "",
        "metrics": {"predict_time": 2.0},
    }
    done = prediction_from(data, price_per_image=0.003)
    assert done.status is RemoteStatus.SUCCEEDED and done.outputs == ["https://example.test/out.webp"]
    assert done.progress == 1.0 and done.cost_usd == pytest.approx(0.003)
    assert prediction_from(data, price_per_second=0.01).cost_usd == pytest.approx(0.02)
    assert prediction_from(data).cost_usd is None
    aborted = prediction_from({"id": "p2", "status": "aborted"})
    assert aborted.status is RemoteStatus.FAILED and aborted.error is not None and "aborted" in aborted.error
    running = prediction_from({"id": "p3", "status": "processing", "output": ["partial"], "logs": " 75%|"})
    assert running.outputs == [] and running.progress == 0.75  # outputs only once it succeeded


def test_retry_after_in_seconds_or_as_a_date() -> None:
    assert retry_after_seconds("7") == 7.0
    now = datetime(2026, 12, 7, 10, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("Mon, 07 Dec 2026 10:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None


def test_cogs_validation_errors_name_the_field() -> None:
    answer = httpx.Response(422, json={"detail": [{"loc": ["body", "input", "seed"], "msg": "not an integer"}]})
    error = error_from(answer, model="owner/name")
    assert not error.retryable and "not an integer" in error.message and "input.seed" in error.message


def test_data_uris() -> None:
    assert decode_data_uri("data:image/png;base64,aGVsbG8=") == b"hello"
    assert decode_data_uri("data:text/plain,hi%20there") == b"hi there"
    with pytest.raises(RemoteError, match="base64"):
        decode_data_uri("data:image/png;base64,@@@")


def test_which_api_a_base_url_is() -> None:
    assert not is_cog_server("https://api.replicate.com/v1")
    assert is_cog_server("http://127.0.0.1:5124")
    assert is_cog_server("http://cog:5000/")
