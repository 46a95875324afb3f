"""The official `openai` client against a live kiln server: images come back decodable, errors in its shape."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator

import httpx
import openai
import pytest
from openai import OpenAI
from PIL import Image

from tests.api.conftest import Api, ApiFactory
from tests.api.fakes import live_server

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
        assert decoded.size == (128, 128)  # the tiny model's own size at 1:1, not 1024x1024
        assert image.revised_prompt is not None and "a lighthouse" in image.revised_prompt
        assert image.revised_prompt != "a lighthouse"  # vivid -> the Cinematic style


def test_url(served: tuple[Api, str, str]) -> None:
    _, base, token = served
    result = client_for(base, token).images.generate(prompt="a harbour", size="1792x1024", quality="hd")
    assert result.data is not None and len(result.data) == 1
    url = result.data[0].url
    assert url is not None and url.startswith(f"{base}/v1/artifacts/")
    download = httpx.get(url)  # no key: the URL is signed
    assert download.status_code == 200
    image = Image.open(io.BytesIO(download.content))
    assert image.width > image.height


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
    with pytest.raises(openai.RateLimitError) as quota:
        client_for(base, limited).images.generate(prompt="x", n=2)
    assert quota.value.response.headers["x-should-retry"] == "false"
    assert isinstance(quota.value.body, dict)
    assert quota.value.body["message"] == (
        "quota of 1 images per rolling 24 hours: 0 used in the last 24 hours, this request needs 2; "
        "it can never fit: ask for fewer images (or frames) in one job"
    )
