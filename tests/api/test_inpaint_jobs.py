"""Inpainting, outpainting and dedupe as jobs over the API: uploads as the init image and mask, the real worker on
the tiny engine, and the 422s that name the field."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from PIL import Image

from kiln.config import Settings
from kiln.engine.executor import Engine
from tests.api.conftest import SMALL, Api, ApiFactory
from tests.api.real_worker import RealWorker
from tests.test_img2img import picture
from tests.test_inpaint import half_mask


def upload(api: Api, image: Image.Image, name: str = "in.png") -> str:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    response = api.client.post("/v1/uploads", files={"file": (name, buffer.getvalue(), "image/png")})
    assert response.status_code == 201, response.text
    ref: str = response.json()["ref"]
    return ref


def images_of(api: Api, job_id: str) -> list[Image.Image]:
    artifacts = api.client.get(f"/v1/jobs/{job_id}/artifacts").json()["data"]
    return [Image.open(io.BytesIO(api.client.get(a["url"]).content)) for a in artifacts]


def test_inpaint_and_outpaint_jobs_run_on_the_worker(make_api: ApiFactory) -> None:
    api = make_api(worker="real")
    start = picture(4)
    init, mask = upload(api, start), upload(api, half_mask(), "mask.png")
    items: list[dict[str, Any]] = [
        {"prompt": "a cat", "model": "tiny-sd", **SMALL, "init_image": init, "mask": mask, "seed": 1},
        {"prompt": "a cat", "model": "tiny-sd", **SMALL, "init_image": init, "outpaint": [0, 32, 0, 16], "seed": 1},
    ]
    job_id = api.submit(items=items)["id"]
    with api.run_worker():
        assert api.wait_final(job_id, timeout=120)["state"] == "completed"
    inpainted, outpainted = images_of(api, job_id)
    assert inpainted.size == (64, 64) and outpainted.size == (96, 80)
    kept = np.abs(np.asarray(inpainted, dtype=int)[:, :32] - np.asarray(start, dtype=int)[:, :32]).max()
    assert kept <= 1
    inside = np.abs(np.asarray(outpainted, dtype=int)[:64, :64] - np.asarray(start, dtype=int)).max()
    assert inside <= 1


def test_an_inpaint_without_a_size_keeps_the_stored_images_own(make_api: ApiFactory) -> None:
    """As `kiln generate` does with a local file: a 96x64 upload is painted at 96x64, not at the model's default
    square (which would stretch it), and an outpaint adds its margins to that size."""
    api = make_api(worker="real")
    wide = picture(5).resize((96, 64))
    mask = Image.new("L", (96, 64), 0)
    mask.paste(255, (48, 0, 96, 64))
    init, masked = upload(api, wide), upload(api, mask, "mask.png")
    base: dict[str, Any] = {"prompt": "a cat", "model": "tiny-sd", "steps": 2, "init_image": init, "seed": 1}
    job_id = api.submit(items=[{**base, "mask": masked}, {**base, "outpaint": [0, 32, 0, 0]}])["id"]
    with api.run_worker():
        assert api.wait_final(job_id, timeout=120)["state"] == "completed"
    inpainted, outpainted = images_of(api, job_id)
    assert inpainted.size == (96, 64) and outpainted.size == (128, 64)
    kept = np.abs(np.asarray(inpainted, dtype=int)[:, :48] - np.asarray(wide, dtype=int)[:, :48]).max()
    assert kept <= 1


def test_bad_masks_and_margins_are_422s_naming_the_field(make_api: ApiFactory) -> None:
    api = make_api()
    init, small = upload(api, picture(1)), upload(api, half_mask(32), "small.png")
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"init_image": init, "mask": small}, "items.0.mask", "32x32"),
        ({"init_image": init, "outpaint": [0, -8, 0, 0]}, "items.0.outpaint", "negative"),
        ({"init_image": init, "outpaint": [0, 8192, 0, 0]}, "items.0.outpaint", "largest side"),
        ({"mask": small}, "items.0.mask", "init_image"),
        ({"init_image": init, "mask": "/etc/passwd"}, "items.0.mask", "not an input reference"),
    ]
    for fields, field, words in cases:
        response = api.client.post("/v1/jobs", json={"items": [{"prompt": "a cat", "model": "tiny-sd", **fields}]})
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["field"] == field and words in error["message"], error


def test_ten_identical_items_are_generated_once_and_each_gets_its_file(make_api: ApiFactory) -> None:
    api = make_api()
    engine = Engine(Settings(threads=2, micro_batch=4), reuse_last_unit=True)  # 10 items: three units
    item: dict[str, Any] = {"prompt": "a lighthouse", "model": "tiny-sd", **SMALL, "seed": 7}
    job_id = api.submit(items=[item] * 10)["id"]
    with RealWorker(api.store, api.storage, api.settings, engine):
        assert api.wait_final(job_id, timeout=120)["state"] == "completed"
    assert engine.images_generated == 1
    files = images_of(api, job_id)
    assert len(files) == 10 and len({im.tobytes() for im in files}) == 1

    off = api.submit(items=[item] * 3, dedupe=False)["id"]
    with RealWorker(api.store, api.storage, api.settings, engine):
        assert api.wait_final(off, timeout=120)["state"] == "completed"
    assert engine.images_generated == 1 + 3


def test_a_hires_fix_job_makes_the_larger_image(make_api: ApiFactory) -> None:
    api = make_api(worker="real")
    item = {"prompt": "a harbour", "model": "tiny-sd", **SMALL, "seed": 2, "hires": {"scale": 2, "strength": 0.5}}
    job_id = api.submit(items=[item])["id"]
    with api.run_worker():
        assert api.wait_final(job_id, timeout=120)["state"] == "completed"
    [image] = images_of(api, job_id)
    assert image.size == (128, 128)
    bad = api.client.post("/v1/jobs", json={"items": [{**item, "hires": {"scale": 2, "upscaler": "/etc/x.pth"}}]})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "items.0.hires.upscaler", bad.text
