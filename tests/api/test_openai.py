"""The official `openai` client against a live kiln server: images come back decodable, errors in its shape."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import openai
import pytest
from openai import OpenAI
from PIL import Image

from kiln.api.routes.openai import spec_from_openai
from kiln.api.schemas.openai import OpenAIImageRequest
from kiln.config import Settings
from kiln.jobs.records import NewJob
from tests.api.conftest import Api, ApiFactory
from tests.api.fakes import live_server
from tests.helpers import make_item

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def served(make_api: ApiFactory) -> Iterator[tuple[Api, str, str]]:
    """A secured app with a worker, served live; yields (api, base URL, token)."""
    api = make_api(auth="on")
    token = api.key("openai-user")
    with api.worker, live_server(api.app) as base:
        yield api, base, token


def client_for(base: str, token: str) -> OpenAI:
    return OpenAI(base_url=f"{base}/v1", api_key=token, max_retries=0, timeout=60)


def test_b64_json(served: tuple[Api, str, str]) -> None:
    _, base, token = served
    result = client_for(base, token).images.generate(
        model="dall-e-3", prompt="a lighthouse", n=2, size="1024x1024", response_format="b64_json", style="vivid"
    )
    assert result.data is not None and len(result.data) == 2
    for image in result.data:
        assert image.b64_json is not None
        decoded = Image.open(io.BytesIO(base64.b64decode(image.b64_json)))
        assert decoded.size == (1024, 1024)  # the size asked for, not the tiny model's own 128x128
        assert image.revised_prompt is not None and "a lighthouse" in image.revised_prompt
        assert image.revised_prompt != "a lighthouse"  # vivid -> the Cinematic style


def test_url(served: tuple[Api, str, str]) -> None:
    _, base, token = served
    result = client_for(base, token).images.generate(prompt="a harbour", size="1024x576", quality="hd")
    assert result.data is not None and len(result.data) == 1
    url = result.data[0].url
    assert url is not None and url.startswith(f"{base}/v1/artifacts/")
    download = httpx.get(url)  # no key: the URL is signed
    assert download.status_code == 200
    assert Image.open(io.BytesIO(download.content)).size == (1024, 576)


def test_gpt_image_fields_are_accepted(served: tuple[Api, str, str]) -> None:
    api, base, token = served
    result = client_for(base, token).images.generate(
        model="gpt-image-1",
        prompt="a lantern",
        background="opaque",
        moderation="low",
        output_format="webp",
        output_compression=80,
        quality="low",
        user="someone",
        response_format="b64_json",
    )
    assert result.data is not None and result.data[0].b64_json is not None
    assert Image.open(io.BytesIO(base64.b64decode(result.data[0].b64_json))).format == "WEBP"
    job = api.store.list_jobs(limit=1)[0]
    item = api.store.list_items(job.id)[0].image
    assert item.model == "tiny-sd" and item.steps == 25  # gpt-image-1 -> default model; low -> fast


def test_errors_take_openai_shape(served: tuple[Api, str, str]) -> None:
    api, base, token = served
    client = client_for(base, token)
    with pytest.raises(openai.BadRequestError) as bad:
        client.images.generate(prompt="x", n=11)
    assert bad.value.status_code == 400
    error = bad.value.body
    assert isinstance(error, dict)
    assert error["param"] == "n" and error["type"] == "invalid_request_error" and error["message"]
    with pytest.raises(openai.BadRequestError) as unknown_model:
        client.images.generate(prompt="x", model="no-such-model")
    assert isinstance(unknown_model.value.body, dict) and unknown_model.value.body["param"] == "model"
    with pytest.raises(openai.BadRequestError) as a_path:
        client.images.generate(prompt="x", model="/srv/models/secret.safetensors")
    assert isinstance(a_path.value.body, dict) and "KILN_DEFAULT_MODEL" in a_path.value.body["message"]
    with pytest.raises(openai.AuthenticationError) as denied:
        client_for(base, "kiln_wrong").images.generate(prompt="x")
    assert isinstance(denied.value.body, dict) and denied.value.body["code"] == "invalid_api_key"

    _, limited = api.store.create_key("limited", 1)
    with pytest.raises(openai.BadRequestError) as never:  # more than the whole quota: no retry can help
        client_for(base, limited).images.generate(prompt="x", n=2)
    assert isinstance(never.value.body, dict)
    assert (never.value.body["code"], never.value.body["param"]) == ("over_quota", "n")
    assert never.value.body["message"].startswith(
        "this request needs 2 images, more than the whole quota of 1 images per rolling 24 hours, so it can never "
        "fit: lower n to need at most 1"
    )
    queued = httpx.post(f"{base}/v1/jobs", json={"prompts": ["x"]}, headers={"Authorization": f"Bearer {limited}"})
    assert queued.status_code == 202
    with pytest.raises(openai.RateLimitError) as quota:  # fits once that image leaves the window
        client_for(base, limited).images.generate(prompt="x")
    assert quota.value.response.headers["x-should-retry"] == "false"
    assert int(quota.value.response.headers["retry-after"]) > 0
    assert isinstance(quota.value.body, dict)
    assert quota.value.body["message"].startswith(
        "quota of 1 images per rolling 24 hours: 1 used in the last 24 hours, this request needs 1; retry in "
    )


def _generated_size(client: OpenAI, **options: Any) -> tuple[int, int]:
    result = client.images.generate(prompt="a kiln at night", response_format="b64_json", **options)
    assert result.data is not None and result.data[0].b64_json is not None
    size: tuple[int, int] = Image.open(io.BytesIO(base64.b64decode(result.data[0].b64_json))).size
    return size


def test_the_size_asked_for_is_honoured(served: tuple[Api, str, str]) -> None:
    api, base, token = served
    client = client_for(base, token)
    assert _generated_size(client, size="512x512") == (512, 512)
    assert _generated_size(client, size="256x256", model="tiny-sd3") == (256, 256)
    assert _generated_size(client, size="300x201") == (304, 200)  # snapped to tiny-sd's multiple of 8
    assert _generated_size(client, size="auto") == (128, 128)  # the model's own size
    assert _generated_size(client) == (128, 128)
    sizes = {(record.image.width, record.image.height) for record in api.store.list_items(api.store.list_jobs()[0].id)}
    assert sizes == {(128, 128)}  # the item itself was planned at that size


@pytest.mark.parametrize(
    ("size", "model", "advice"),
    [
        ("1792x1024", None, "choose a smaller size"),
        ("1024x1536", "tiny-sd3", "choose a smaller size"),
        ("16x16", None, "choose a larger size"),
        ("1x1", None, "choose a larger size"),
        ("16x2048", None, "choose each side in that range"),
        ("99999x1", None, None),
        ("big", None, None),
    ],
)
def test_a_size_the_model_cannot_make_is_a_400_naming_size(
    served: tuple[Api, str, str], size: str, model: str | None, advice: str | None
) -> None:
    _, base, token = served
    options: dict[str, Any] = {"model": model} if model else {}
    with pytest.raises(openai.BadRequestError) as bad:
        client_for(base, token).images.generate(prompt="x", size=size, **options)
    assert bad.value.status_code == 400
    error = bad.value.body
    assert isinstance(error, dict)
    assert error["param"] == "size" and error["type"] == "invalid_request_error" and error["code"]
    assert size in error["message"] or "pattern" in error["message"]
    if advice is not None:  # the way out points the right way: a tiny size is too small, not too large
        assert f"its sides are 32 to 1024 pixels; {advice} or auto" in error["message"], error["message"]


@pytest.mark.parametrize(
    ("model", "size", "expected"),
    [
        ("stabilityai/stable-diffusion-3.5-medium", "512x512", (512, 512)),  # was 992x992 (1 MP at 1:1)
        ("stabilityai/stable-diffusion-3.5-large", "1792x1024", (1792, 1024)),
        ("stabilityai/stable-diffusion-3.5-large", "1010x700", (1008, 704)),  # multiples of 16
        ("black-forest-labs/FLUX.1-schnell", "1536x1024", (1536, 1024)),
    ],
)
def test_hub_models_get_the_size_asked_for(model: str, size: str, expected: tuple[int, int]) -> None:
    spec = spec_from_openai(OpenAIImageRequest(prompt="x", model=model, size=size), Settings())
    assert (spec.width, spec.height) == expected


def generate_raw(base: str, token: str, key: str, prompt: str = "a lighthouse") -> httpx.Response:
    body = {"prompt": prompt, "size": "64x64", "response_format": "b64_json", "seed": 5, "steps": 2}
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    return httpx.post(f"{base}/v1/images/generations", json=body, headers=headers, timeout=60)


def test_a_repeated_idempotency_key_answers_the_first_requests_images(served: tuple[Api, str, str]) -> None:
    api, base, token = served
    with ThreadPoolExecutor(2) as pool:  # two at once: the second waits for the first's job, makes none
        answers = list(pool.map(lambda _: generate_raw(base, token, "retry-1"), range(2)))
    answers.append(generate_raw(base, token, "retry-1", prompt="something else entirely"))  # the key wins
    assert [answer.status_code for answer in answers] == [200, 200, 200], answers[0].text
    assert len({answer.json()["data"][0]["b64_json"] for answer in answers}) == 1
    [job] = api.store.list_jobs(limit=10)
    item = api.store.list_items(job.id)[0].image
    assert item.seed == 5 and item.steps == 2  # kiln's own fields, honoured
    other = api.key("other-owner")  # keys are per owner: the same key of another owner is its own request
    assert generate_raw(base, other, "retry-1").status_code == 200
    assert len(api.store.list_jobs(limit=10)) == 2


def test_delete_cancels_the_request_of_a_key_of_its_owner_only(make_api: ApiFactory) -> None:
    api = make_api(auth="on")
    alice, bob = api.key("alice"), api.key("bob")
    owner = api.store.authenticate(alice)
    assert owner is not None
    job = api.store.create_job(NewJob(owner=owner.id, idempotency_key="req-7"), [make_item(0)])

    def delete(token: str, key: str) -> Any:
        return api.client.delete(f"/v1/images/generations/{key}", headers={"Authorization": f"Bearer {token}"})

    assert delete(bob, "req-7").status_code == 404  # not bob's
    answer = delete(alice, "req-7")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"idempotency_key": "req-7", "job_id": job.id, "state": "canceled"}
    assert api.store.get_job(job.id).state == "canceled"  # type: ignore[union-attr]
    refused = api.client.post(
        "/v1/images/generations",
        json={"prompt": "x"},
        headers={"Authorization": f"Bearer {alice}", "Idempotency-Key": "two words"},
    )
    assert refused.status_code == 400 and refused.json()["error"]["param"] == "Idempotency-Key"
