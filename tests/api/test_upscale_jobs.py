"""`kind: upscale` jobs: an uploaded image upscaled by the real worker, and the 422s naming the field."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from tests.api.conftest import ApiFactory
from tests.api.test_inpaint_jobs import upload
from tests.media.click_track import click_samples, write_audio
from tests.test_img2img import picture


def test_an_upscale_job_makes_the_image_larger(
    make_api: ApiFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KILN_DATA_DIR", str(tmp_path / "worker-data"))  # where the runner keeps tiny-esrgan
    api = make_api(worker="real")
    ref = upload(api, picture(6, size=24))
    job_id = api.submit(kind="upscale", items=[{"image": ref, "upscaler": "tiny-esrgan", "scale": 2, "tile": 16}])["id"]
    with api.run_worker():
        job = api.wait_final(job_id, timeout=120)
    assert job["state"] == "completed", job
    [artifact] = api.client.get(f"/v1/jobs/{job_id}/artifacts").json()["data"]
    assert (artifact["width"], artifact["height"], artifact["content_type"]) == (48, 48, "image/png")
    assert Image.open(io.BytesIO(api.client.get(artifact["url"]).content)).size == (48, 48)


def test_bad_upscales_are_422s_naming_the_field(make_api: ApiFactory) -> None:
    api = make_api(max_output_pixels=10_000)
    ref = upload(api, picture(1, size=64))
    cases = [
        ({"image": ref, "upscaler": "/etc/model.pth"}, "items.0.upscaler", "unknown upscaler"),
        ({"image": ref, "upscaler": "nope.safetensors"}, "items.0.upscaler", "tiny-esrgan"),
        ({"image": "upload:0123456789ABCDEFGHJKMNPQRS", "upscaler": "tiny-esrgan"}, "items.0.image", "no upload"),
        ({"image": ref, "upscaler": "tiny-esrgan"}, "items.0.image", "KILN_MAX_OUTPUT_PIXELS"),
        ({"image": ref, "upscaler": "tiny-esrgan", "scale": 20}, "items.0.scale", "8"),
    ]
    for item, field, words in cases:
        response = api.client.post("/v1/jobs", json={"kind": "upscale", "items": [item]})
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["field"] == field and words in error["message"], error


def test_an_upscale_of_a_file_that_is_no_image_is_a_422_at_submit(make_api: ApiFactory, tmp_path: Path) -> None:
    """A sound file uploaded as the image is refused when the job is submitted (as a mask or a control image is),
    not accepted, charged and failed later by the worker."""
    api = make_api()
    track = write_audio(tmp_path / "click.wav", click_samples(bpm=120, seconds=1))
    response = api.client.post("/v1/uploads", files={"file": ("click.wav", track.read_bytes())})
    assert response.status_code == 201, response.text
    ref = response.json()["ref"]
    response = api.client.post(
        "/v1/jobs", json={"kind": "upscale", "items": [{"image": ref, "upscaler": "tiny-esrgan"}]}
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == "items.0.image" and ref in error["message"] and "storage:" not in error["message"], error
