"""`POST /v1/images`: synchronous generation, as base64 or signed URLs, and 504 when it takes too long."""

from __future__ import annotations

import base64
import io

from PIL import Image

from tests.api.conftest import Api, bearer


def test_images_inline_base64(api: Api) -> None:
    with api.worker:
        response = api.client.post("/v1/images", json={"prompt": "a teapot", "n": 2, "seed": 42, "aspect": "16:9"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert isinstance(body["created"], int) and body["job_id"]
    assert [d["seed"] for d in body["data"]] == [42, 43]
    for entry in body["data"]:
        assert "url" not in entry
        image = Image.open(io.BytesIO(base64.b64decode(entry["b64_json"])))
        assert image.size == (entry["width"], entry["height"])
        assert entry["width"] > entry["height"]
    job = api.job(body["job_id"])
    assert job["priority"] == 10 and job["state"] == "completed"


def test_images_signed_urls_download_without_a_key(secured: Api) -> None:
    token = secured.key()
    with secured.worker:
        response = secured.client.post(
            "/v1/images", json={"prompt": "a kettle", "response_format": "url", "format": "jpeg"}, headers=bearer(token)
        )
    assert response.status_code == 200, response.text
    url = response.json()["data"][0]["url"]
    assert url.startswith("http://testserver/v1/artifacts/") and "signature=" in url
    download = secured.client.get(url)
    assert download.status_code == 200
    assert download.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(download.content)).format == "JPEG"
    assert secured.client.get(url.replace("signature=", "signature=0")).status_code == 401
    unsigned = url.split("?")[0]
    assert secured.client.get(unsigned).status_code == 401
    assert secured.client.get(unsigned, headers=bearer(token)).status_code == 200


def test_images_timeout_is_504_with_the_job_id(api: Api) -> None:
    response = api.client.post("/v1/images", json={"prompt": "never drawn", "timeout": 0.3})
    assert response.status_code == 504
    error = response.json()["error"]
    assert error["type"] == "timeout"
    job = api.job(error["job_id"])
    assert job["state"] == "queued"  # it goes on


def test_images_that_all_fail_say_so(api: Api) -> None:
    with api.worker:
        response = api.client.post("/v1/images", json={"prompt": "FAIL now"})
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["type"] == "generation_failed" and error["job_id"]


def test_images_bad_input(api: Api) -> None:
    for body, field in (
        ({"prompt": "a", "n": 17}, "n"),
        ({"prompt": "a", "response_format": "gif"}, "response_format"),
        ({"prompt": "a", "timeout": 0}, "timeout"),
        ({"prompt": "a", "width": 30}, "width"),
        ({"prompt": "a", "mystery": 1}, "mystery"),
        ({"n": 1}, "prompt"),
    ):
        response = api.client.post("/v1/images", json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["error"]["field"] == field
