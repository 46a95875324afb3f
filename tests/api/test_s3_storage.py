"""The API with its files in an S3 bucket (`KILN_STORAGE_URL=s3://...`, moto's server on 127.0.0.1 standing in for
AWS, R2 or MinIO): downloads redirect to presigned URLs (or stream, by setting, with `Range`), ZIPs and thumbnails
read from the bucket, uploads land there and are found again as inputs, deletes delete the objects, and the real
worker writes its images there."""

from __future__ import annotations

import io
import zipfile
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from PIL import Image

from kiln.media.audio import write_tone
from kiln.storage.open import open_storage
from kiln.storage.s3 import S3Storage
from tests.api.conftest import SMALL, Api, ApiFactory, StorageKind, StoreKind
from tests.api.fakes import live_server
from tests.conditions import wait_until

if TYPE_CHECKING:
    from kiln.engine.executor import Engine


def objects(api: Api) -> set[str]:
    """Every key in the app's bucket, relative to its prefix."""
    storage = api.storage
    assert isinstance(storage, S3Storage)
    pages = storage.client.get_paginator("list_objects_v2").paginate(Bucket=storage.bucket, Prefix=storage.prefix)
    return {item["Key"].removeprefix(storage.prefix) for page in pages for item in page.get("Contents", [])}


def finished(api: Api, prompts: list[str]) -> tuple[str, list[dict[str, Any]]]:
    job_id = api.submit(prompts=prompts)["id"]
    with api.run_worker():
        assert api.wait_final(job_id, timeout=120)["state"] == "completed"
    return job_id, api.client.get(f"/v1/jobs/{job_id}/artifacts").json()["data"]


def png(colour: str = "teal") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (48, 40), colour).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_a_job_on_s3_downloads_zips_thumbnails_and_deletes(make_api: ApiFactory, store: StoreKind) -> None:
    api = make_api(storage="s3", store=store)
    job_id, artifacts = finished(api, ["a", "b", "c"])
    keys = {a["id"]: api.store.get_artifact(a["id"]).storage_key for a in artifacts}  # type: ignore[union-attr]
    assert set(keys.values()) <= objects(api) and len(artifacts) == 3
    assert not api.settings.output_dir.exists()  # nothing went to the local folder

    first = artifacts[0]["id"]
    redirect = api.client.get(f"/v1/artifacts/{first}", follow_redirects=False)
    assert redirect.status_code == 307
    fetched = httpx.get(redirect.headers["location"])  # straight from the bucket, without kiln
    assert fetched.status_code == 200 and fetched.content == api.storage.read(keys[first])
    assert fetched.headers["content-type"] == "image/png"

    archive = api.client.get(f"/v1/jobs/{job_id}/zip")
    assert archive.status_code == 200
    with zipfile.ZipFile(io.BytesIO(archive.content)) as opened:
        assert opened.testzip() is None
        assert sorted(opened.read(name) for name in opened.namelist()) == sorted(
            api.storage.read(key) for key in keys.values()
        )

    thumbnail = api.client.get(f"/v1/artifacts/{first}/thumbnail", params={"size": 64})
    assert thumbnail.status_code == 200 and thumbnail.headers["content-type"] == "image/webp"
    assert any("/.thumbnails/" in key and key.endswith(".64.webp") for key in objects(api))
    api.storage.delete(keys[first])  # the source gone: the kept thumbnail is served from the bucket
    again = api.client.get(f"/v1/artifacts/{first}/thumbnail", params={"size": 64})
    assert again.status_code == 200 and again.content == thumbnail.content
    assert api.client.get(f"/v1/artifacts/{first}/thumbnail", params={"size": 128}).status_code == 410
    assert api.client.get(f"/v1/artifacts/{first}", follow_redirects=False).status_code == 404
    gone = api.client.get(f"/v1/jobs/{job_id}/zip")
    assert gone.status_code == 410 and gone.json()["error"]["missing"] == [{"artifact_id": first, "index": 0}]

    stray = f"anonymous/{job_id}/.thumbnails/made-while-deleting.webp"  # not recorded: the prefix delete takes it
    api.storage.write(stray, b"x")
    api.storage.write(f"anonymous/{job_id}0/kept.png", b"x")  # a key that starts alike is not under the job
    assert api.client.delete(f"/v1/jobs/{job_id}").status_code == 204
    assert objects(api) == {f"anonymous/{job_id}0/kept.png"}  # the files, their thumbnails, the stray object


def test_downloads_stream_through_kiln_by_setting_with_ranges(make_api: ApiFactory) -> None:
    api = make_api(storage="s3", s3_downloads="stream")
    _, [artifact] = finished(api, ["a"])
    whole = api.storage.read(api.store.get_artifact(artifact["id"]).storage_key)  # type: ignore[union-attr]
    response = api.client.get(f"/v1/artifacts/{artifact['id']}", follow_redirects=False)
    assert response.status_code == 200 and response.content == whole
    assert response.headers["content-type"] == "image/png" and response.headers["accept-ranges"] == "bytes"
    part = api.client.get(f"/v1/artifacts/{artifact['id']}", headers={"Range": "bytes=2-9"})
    assert part.status_code == 206 and part.content == whole[2:10]
    assert part.headers["content-range"] == f"bytes 2-9/{len(whole)}"
    tail = api.client.get(f"/v1/artifacts/{artifact['id']}", headers={"Range": "bytes=-4"})
    assert tail.status_code == 206 and tail.content == whole[-4:]
    past = api.client.get(f"/v1/artifacts/{artifact['id']}", headers={"Range": f"bytes={len(whole) + 5}-"})
    assert past.status_code == 416 and past.json()["error"]["field"] == "Range"
    bad = api.client.get(f"/v1/artifacts/{artifact['id']}", headers={"Range": "pages=1"})
    assert bad.status_code == 400 and bad.json()["error"]["type"] == "invalid_range"


def test_gallery_zip_and_deletes_on_s3(make_api: ApiFactory) -> None:
    api = make_api(storage="s3")
    _, artifacts = finished(api, ["a", "b"])
    ids = [a["id"] for a in artifacts]
    archive = api.client.post("/v1/artifacts/zip", json={"ids": ids})
    assert archive.status_code == 200
    with zipfile.ZipFile(io.BytesIO(archive.content)) as opened:
        assert len(opened.namelist()) == 2 and opened.testzip() is None
    assert api.client.get(f"/v1/artifacts/{ids[0]}/thumbnail").status_code == 200
    deleted = api.client.post("/v1/artifacts/delete", json={"ids": ids})
    assert deleted.status_code == 200 and deleted.json()["deleted"] == 2
    assert objects(api) == set()


def test_uploads_go_to_the_bucket_and_are_found_as_inputs(make_api: ApiFactory) -> None:
    api = make_api(storage="s3")
    wav = write_tone(Path(api.settings.data_dir) / "t.wav", seconds=1.0).read_bytes()
    response = api.client.post("/v1/uploads", files={"file": ("tone.wav", wav, "audio/wav")})
    assert response.status_code == 201, response.text
    ref = response.json()["ref"]
    [key] = [key for key in objects(api) if key.startswith("uploads/")]
    assert key.endswith(f"{ref.removeprefix('upload:')}.wav") and api.storage.read(key) == wav
    api.storage.write(key, bytes(range(256)) * 40)  # junk now: the submit check reads it from the bucket
    animation = {"model": "tiny-sd", "prompts": {"0": "a"}, "frames": 2, "width": 32, "height": 32, "audio": ref}
    refused = api.client.post("/v1/jobs", json={"kind": "animation", "items": [animation]})
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "items.0.audio", refused.text
    assert ref in refused.json()["error"]["message"] and "/tmp" not in refused.json()["error"]["message"]
    api.storage.write(key, wav)
    accepted = api.client.post("/v1/jobs", json={"kind": "animation", "items": [animation]})
    assert accepted.status_code == 202, accepted.text
    missing = {**animation, "audio": "upload:01ARZ3NDEKTSV4RRFFQ69G5FAV"}
    unknown = api.client.post("/v1/jobs", json={"kind": "animation", "items": [missing]})
    assert unknown.status_code == 422 and "no upload" in unknown.json()["error"]["message"]


@pytest.mark.parametrize("storage", ["folder", "s3"])
def test_img2img_from_an_upload_and_an_artifact_reads_them_from_storage(
    make_api: ApiFactory, engine: Engine, storage: StorageKind, tmp_path: Path
) -> None:
    """Over real HTTP, an `init_image` given as `upload:<id>` or `artifact:<id>` is kept on the item as
    `storage:<key>` and read from storage by the worker; on S3 the worker has its own empty folders (no shared
    disk). An input broken after submit fails naming the reference as the caller sent it."""
    from tests.api.real_worker import RealWorker  # torch, only for the tests that ask

    api = make_api(storage=storage, worker="real")
    worker = api.real_worker
    if storage == "s3":  # another machine: the same store and bucket, none of the API's folders
        own = api.settings.model_copy(update={"data_dir": tmp_path / "w/data", "output_dir": tmp_path / "w/out"})
        worker = RealWorker(api.store, open_storage(own), own, engine)
    assert worker is not None
    whole = png("orange")
    with live_server(api.app) as url, httpx.Client(base_url=url) as client, worker:
        ref = client.post("/v1/uploads", files={"file": ("start.png", whole, "image/png")}).json()["ref"]
        made = client.post("/v1/jobs", json={"prompts": ["a lighthouse"], "defaults": SMALL}).json()["id"]
        wait_until(lambda: final(client, made), timeout=120, what="the first job")
        [artifact] = client.get(f"/v1/jobs/{made}/artifacts").json()["data"]
        jobs = {}
        for init in (ref, f"artifact:{artifact['id']}"):
            body = {"items": [{"prompt": "a sunset", **SMALL, "init_image": init, "strength": 0.6}]}
            response = client.post("/v1/jobs", json=body)
            assert response.status_code == 202, response.text
            jobs[init] = response.json()["id"]
        for init, job_id in jobs.items():
            job = wait_until(partial(final, client, job_id), timeout=120, what=f"the job from {init}")
            assert job["state"] == "completed", job
            [item] = api.store.list_items(job_id)
            assert item.image.init_image is not None and item.image.init_image.startswith("storage:"), item
            assert str(tmp_path) not in item.image.init_image
            [result] = client.get(f"/v1/jobs/{job_id}/artifacts").json()["data"]
            picture = client.get(f"/v1/artifacts/{result['id']}", follow_redirects=True)
            with Image.open(io.BytesIO(picture.content)) as image:
                assert image.size == (64, 64) and "Denoising strength: 0.6" in image.info["parameters"]

        broken = client.post("/v1/uploads", files={"file": ("b.png", whole, "image/png")}).json()["ref"]
        [key] = [k for k in api.stored() if k.startswith("uploads/") and broken.removeprefix("upload:") in k]
        api.storage.write(key, whole[: len(whole) // 2])  # the header still reads: only the worker can tell
        body = {"items": [{"prompt": "x", **SMALL, "init_image": broken}]}
        job_id = client.post("/v1/jobs", json=body).json()["id"]
        job = wait_until(lambda: final(client, job_id), timeout=120, what="the job from a broken upload")
        [error] = client.get(f"/v1/jobs/{job_id}", params={"include": "results"}).json()["errors"]
    assert job["state"] == "failed" and broken in error["error"], error
    assert "storage:" not in error["error"] and "uploads/" not in error["error"], error
    if storage == "s3":
        assert not api.settings.output_dir.exists() and not (tmp_path / "w/out").exists()


def final(client: httpx.Client, job_id: str) -> dict[str, Any] | None:
    job: dict[str, Any] = client.get(f"/v1/jobs/{job_id}").json()
    return job if job["state"] in ("completed", "failed", "canceled") else None


def test_the_real_worker_writes_its_images_to_s3(make_api: ApiFactory) -> None:
    api = make_api(storage="s3", worker="real")
    job_id = api.submit(prompts=["x", "y"], defaults=SMALL, start_seed=3)["id"]
    with api.run_worker():
        assert api.wait_final(job_id, timeout=120)["state"] == "completed"
    artifacts = api.client.get(f"/v1/jobs/{job_id}/artifacts").json()["data"]
    keys = sorted(api.store.get_artifact(a["id"]).storage_key for a in artifacts)  # type: ignore[union-attr]
    assert keys == sorted(objects(api)) and len(keys) == 2
    for key in keys:
        with Image.open(io.BytesIO(api.storage.read(key))) as image:
            assert image.size == (64, 64)
    assert not api.settings.output_dir.exists()


def test_readyz_writes_a_probe_to_the_bucket_and_names_a_missing_one(make_api: ApiFactory, s3_endpoint: str) -> None:
    api = make_api(storage="s3")
    assert api.client.get("/readyz").json()["checks"]["storage"] is True and objects(api) == set()
    missing = make_api(storage="s3", storage_url="s3://no-such-bucket-here/kiln")
    response = missing.client.get("/readyz")
    checks = response.json()["checks"]
    assert response.status_code == 503 and checks["storage"] is False
    assert "NoSuchBucket" in checks["storage_error"], checks
