"""`kiln.worker.live_frames` on a folder and on an S3 bucket (moto): each frame is stored full size (the newest
`kept` only) and told as an `item.frame` event with a WebP of at most 256 px, and the API's
`GET /v1/jobs/{id}/items/{index}/frame` reads it back from that storage (any API process can)."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from kiln.api import create_app
from kiln.config import Settings
from kiln.jobs.memory import MemoryStore
from kiln.jobs.records import ItemRecord, NewJob
from kiln.jobs.storage_keys import live_frame_folder
from kiln.storage.local import LocalStorage
from kiln.storage.protocol import Storage
from kiln.task_item import TaskItem
from kiln.worker.live_frames import EVENT, PREVIEW_SIDE, live_frames_of
from tests.s3server import new_bucket


@pytest.fixture(params=["folder", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "folder":
        return LocalStorage(tmp_path / "files")
    from kiln.storage.s3 import S3Storage

    endpoint = request.getfixturevalue("s3_endpoint")
    return S3Storage(new_bucket(endpoint), "kiln", endpoint_url=endpoint)


def _frame(number: int) -> Image.Image:
    return Image.new("RGB", (600, 400), (number * 40 % 256, 90, 200))


def test_frames_are_kept_newest_first_and_served_from_storage(storage: Storage, tmp_path: Path) -> None:
    store = MemoryStore()
    animation = TaskItem(index=0, kind="animation", request={})
    job = store.create_job(NewJob(kind="animation", owner=None), [animation])
    [record] = store.list_items(job.id)
    live = live_frames_of(store, storage, record)
    assert live is not None
    live.kept = 3
    for number in range(5):
        live.frame_made(number, 5, _frame(number), 0.25)

    folder = live_frame_folder(None, job.id, 0)
    assert storage.list_names(folder) == ["00002.png", "00003.png", "00004.png"]  # the newest `kept`
    events = [e.data for e in store.events_after(job.id, 0) if e.type == EVENT]
    assert [(e["index"], e["frame"], e["frames"], e["seconds"], e["paused"]) for e in events] == [
        (0, n, 5, 0.25, False) for n in range(5)
    ]
    head, _, data = events[-1]["image"].partition(",")
    assert head == "data:image/webp;base64"
    with Image.open(io.BytesIO(base64.b64decode(data))) as small:
        assert small.format == "WEBP" and small.size == (PREVIEW_SIDE, 171)  # 600x400 fitted, aspect kept

    settings = Settings(auth="off", data_dir=tmp_path / "data", output_dir=tmp_path / "out")
    with TestClient(create_app(settings, store=store, keys=store, storage=storage)) as client:
        url = f"/v1/jobs/{job.id}/items/0/frame"
        newest = client.get(url)
        assert newest.status_code == 200 and newest.headers["x-kiln-frame"] == "4"
        with Image.open(io.BytesIO(newest.content)) as image:
            assert image.format == "PNG" and image.size == (600, 400) and image.getpixel((0, 0)) == (160, 90, 200)
        assert client.get(url, params={"n": 2}).headers["x-kiln-frame"] == "2"
        gone = client.get(url, params={"n": 1})
        assert gone.status_code == 404 and "not kept" in gone.json()["error"]["message"]
        assert client.get(f"/v1/jobs/{job.id}/items/1/frame").status_code == 404  # the job has one item
        assert client.get(url, params={"n": -1}).status_code == 422


def test_only_animation_items_get_a_live_view(storage: Storage) -> None:
    store = MemoryStore()
    job = store.create_job(NewJob(kind="video"), [TaskItem(index=0, kind="video", request={})])
    records: list[ItemRecord] = store.list_items(job.id)
    assert live_frames_of(store, storage, records[0]) is None
