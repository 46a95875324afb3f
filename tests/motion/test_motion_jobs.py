"""Motion jobs through the whole service: the real app (TestClient) over a SQLite store, a real `JobWorker` with the
engine and the real runners. An input image is uploaded, named by reference, and the result is downloaded and read
back with PyAV; bad references are refused at submit naming the field."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import pytest
from fastapi.testclient import TestClient

from kiln.api import create_app
from kiln.config import Settings
from kiln.engine.executor import Engine
from kiln.jobs.sql.migrate import migrate
from kiln.jobs.sql.store import SqlStore
from kiln.media.audio import write_tone
from kiln.storage.local import LocalStorage
from kiln.worker.service import JobWorker
from tests.conditions import wait_until
from tests.motion.video_helpers import input_image


@dataclass
class Service:
    client: TestClient
    store: SqlStore
    worker: JobWorker
    headers: dict[str, str]

    def submit(self, body: dict[str, Any]) -> dict[str, Any]:
        response = self.client.post("/v1/jobs", json=body, headers=self.headers)
        assert response.status_code == 202, response.text
        created: dict[str, Any] = response.json()
        return created

    def refused(self, body: dict[str, Any]) -> dict[str, Any]:
        response = self.client.post("/v1/jobs", json=body, headers=self.headers)
        assert response.status_code == 422, response.text
        error: dict[str, Any] = response.json()["error"]
        return error

    def upload(self, path: Path, headers: dict[str, str] | None = None) -> str:
        with path.open("rb") as file:
            response = self.client.post(
                "/v1/uploads", files={"file": (path.name, file)}, headers=headers or self.headers
            )
        assert response.status_code == 201, response.text
        ref: str = response.json()["ref"]
        return ref

    def run(self, job_id: str) -> dict[str, Any]:
        while self.worker.run_once():
            pass
        return self.run_status(job_id)

    def run_status(self, job_id: str) -> dict[str, Any]:
        response = self.client.get(f"/v1/jobs/{job_id}", params={"include": "results"}, headers=self.headers)
        assert response.status_code == 200
        job: dict[str, Any] = response.json()
        return job

    def download(self, url: str) -> bytes:
        response = self.client.get(url, headers=self.headers)
        assert response.status_code == 200, response.text
        return response.content


@pytest.fixture
def service(engine: Engine, tmp_path: Path) -> Iterator[Service]:
    settings = Settings(data_dir=tmp_path / "data", output_dir=tmp_path / "out", threads=2, status_cache_seconds=0)
    url = f"sqlite:///{tmp_path / 'kiln.db'}"
    migrate(url)
    store = SqlStore(url)
    storage = LocalStorage(settings.output_dir)
    _, token = store.create_key("creator")
    client = TestClient(create_app(settings, store=store, keys=store, storage=storage))
    worker = JobWorker(store, engine, storage, settings, "motion-worker")
    yield Service(client, store, worker, {"Authorization": f"Bearer {token}"})
    client.close()
    store.close()


def probe(data: bytes) -> tuple[set[str], int, float]:
    with av.open(io.BytesIO(data), mode="r") as container:
        kinds: set[str] = {stream.type for stream in container.streams}
        frames = len(list(container.decode(video=0)))
        duration = float(container.duration or 0) / av.time_base
    return kinds, frames, duration


def test_an_uploaded_image_becomes_a_video_job(service: Service, tmp_path: Path) -> None:
    ref = service.upload(input_image(tmp_path / "still.png"))
    request = {"image": ref, "model": "tiny-ltx", "frames": 9, "fps": 8, "width": 32, "height": 32, "steps": 2}
    created = service.submit({"kind": "video", "items": [request], "prefix": "shots"})
    assert created["kind"] == "video" and created["total"] == 1
    job = service.run(created["id"])
    assert job["state"] == "completed", job
    [result] = job["results"]
    assert result["content_type"] == "video/mp4" and result["metadata"]["kind"] == "video"
    kinds, frames, duration = probe(service.download(result["url"]))
    assert kinds == {"video"} and frames == 9 and abs(duration - 9 / 8) <= 1 / 8
    # deleting the job removes its file and its work folder (checkpoints, the fetched input)
    work = tmp_path / "data" / "tasks" / created["id"]
    assert (work / "00000" / "inputs").is_dir()
    [video] = (tmp_path / "out").rglob("*.mp4")
    assert video.relative_to(tmp_path / "out").parts[1:] == (created["id"], "shots", video.name)  # owner/job/prefix
    assert service.client.delete(f"/v1/jobs/{created['id']}", headers=service.headers).status_code == 204
    assert not work.exists() and not video.exists() and not video.parent.parent.exists()


def test_a_storyboard_job_renders_the_final_cut(service: Service, tmp_path: Path) -> None:
    music = service.upload(write_tone(tmp_path / "music.wav", seconds=3.0))
    storyboard = {
        "defaults": {"model": "tiny-sd", "width": 64, "height": 64, "steps": 2, "fps": 12,
                     "resolution": "320x180", "duration": 1.0},
        "music": music,
        "scenes": [
            {"id": "dawn", "prompt": "a harbour at dawn"},
            {"id": "storm", "prompt": "a storm", "shot": {"kind": "ken_burns", "zoom": [1.0, 1.2]}},
        ],
    }  # fmt: skip
    created = service.submit({"kind": "storyboard", "items": [storyboard]})
    job = service.run(created["id"])
    assert job["state"] == "completed", job
    [result] = job["results"]
    kinds, frames, duration = probe(service.download(result["url"]))
    assert kinds == {"video", "audio"} and frames == 24 and abs(duration - 2.0) <= 1 / 12


def test_bad_input_references_are_refused_naming_the_field(service: Service, tmp_path: Path) -> None:
    video = {"model": "tiny-ltx", "frames": 9, "width": 32, "height": 32, "steps": 2}
    cases = [
        ({**video, "image": "/etc/passwd"}, "items.0.image", "not an input reference"),
        ({**video, "image": "upload:01aaaaaaaaaaaaaaaaaaaaaaaa"}, "items.0.image", "no upload"),
        ({**video, "image": "artifact:nope"}, "items.0.image", "no artifact"),
        ({**video, "image": "http://127.0.0.1/a.png"}, "items.0.image", "KILN_INPUT_ALLOW_PRIVATE"),
        ({**video, "image": "http://0x7f000001/a.png"}, "items.0.image", "KILN_INPUT_ALLOW_PRIVATE"),
        ({**video, "image": "http://2130706433/a.png"}, "items.0.image", "KILN_INPUT_ALLOW_PRIVATE"),
        ({**video, "image": "http://127.1/a.png"}, "items.0.image", "KILN_INPUT_ALLOW_PRIVATE"),
        ({**video, "image": "http://0177.0.0.1/a.png"}, "items.0.image", "KILN_INPUT_ALLOW_PRIVATE"),
        ({**video, "model": "./my-model"}, "items.0.model", "unknown model"),
        ({**video, "model": "tiny-svd"}, "items.0.mode", "image-to-video only"),
    ]
    for request, field, words in cases:
        error = service.refused({"kind": "video", "items": [request]})
        assert error["field"] == field and words in error["message"], (request, error)
    # another key's upload reads as missing
    _, other = service.store.create_key("someone else")
    theirs = service.upload(input_image(tmp_path / "theirs.png"), headers={"Authorization": f"Bearer {other}"})
    error = service.refused({"kind": "video", "items": [{**video, "image": theirs}]})
    assert error["field"] == "items.0.image" and "no upload" in error["message"]
    # an upload kiln does not take
    response = service.client.post("/v1/uploads", files={"file": ("notes.exe", b"MZ")}, headers=service.headers)
    assert response.status_code == 422 and response.json()["error"]["field"] == "file"


def test_only_animations_take_control_commands(service: Service) -> None:
    video = {"model": "tiny-ltx", "prompt": "a boat", "frames": 9, "width": 32, "height": 32, "steps": 2}
    created = service.submit({"kind": "video", "items": [video]})
    response = service.client.post(
        f"/v1/jobs/{created['id']}/control", json={"action": "pause"}, headers=service.headers
    )
    assert response.status_code == 409 and "only animations" in response.json()["error"]["message"]


def test_an_animation_job_is_steered_through_the_api(service: Service, tmp_path: Path) -> None:
    animation = {"model": "tiny-sd", "prompts": {"0": "a forest", "6": "a city"}, "frames": 8, "fps": 8,
                 "width": 32, "height": 32, "steps": 4, "strength": "0:(0.5)", "zoom": "0:(1.02)",
                 "seed": 5}  # fmt: skip
    created = service.submit({"kind": "animation", "items": [animation]})
    job_id = created["id"]
    control = f"/v1/jobs/{job_id}/control"

    def send(command: dict[str, Any]) -> int:
        response = service.client.post(control, json=command, headers=service.headers)
        assert response.status_code == 202, response.text
        event_id: int = response.json()["event_id"]
        return event_id

    # checked at the API: an edit of a field a running animation cannot change, a value a request would refuse
    for changes, field in (({"width": 64}, "changes"), ({"strength": "0:(2.5)"}, "changes.strength")):
        response = service.client.post(control, json={"action": "edit", "changes": changes}, headers=service.headers)
        assert response.status_code == 422 and response.json()["error"]["field"] == field, response.text

    send({"action": "pause"})  # before the worker starts: the run begins paused
    stop = threading.Event()
    worker = threading.Thread(target=service.worker.run_forever, args=(stop,), daemon=True)
    worker.start()
    try:

        def paused() -> bool:
            events = service.store.events_after(job_id, 0)
            return any(e.type == "item.progress" and e.data.get("message") == "paused" for e in events)

        wait_until(paused, timeout=60, interval=0.05, what="the animation to report it is paused")
        teleport = service.upload(input_image(tmp_path / "teleport.png", size=(32, 32)))
        send({"action": "teleport", "image": teleport})
        send({"action": "edit", "changes": {"strength": "0:(0.4)"}})
        send({"action": "resume"})

        def finished() -> dict[str, Any] | None:
            status = service.run_status(job_id)
            return status if status["state"] in ("completed", "failed") else None

        job = wait_until(finished, timeout=120, interval=0.1, what="the animation to finish")
    finally:
        stop.set()
        worker.join(60)
    assert job["state"] == "completed", job
    [result] = job["results"]
    assert result["metadata"]["kind"] == "animation"
    kinds, frames, duration = probe(service.download(result["url"]))
    assert kinds == {"video"} and frames == 8 and abs(duration - 1.0) <= 1 / 8
    refused = [e for e in service.store.events_after(job_id, 0) if e.type == "control.rejected"]
    assert refused == []  # the teleport image reached the worker as a local file


def _assets(job: dict[str, Any]) -> dict[str, dict[str, int]]:
    """How many assets of each kind the render made and reused (its artifact's metadata)."""
    [result] = job["results"]
    report: dict[str, dict[str, list[str]]] = result["metadata"]["assets"]
    return {side: {kind: len(keys) for kind, keys in report[side].items() if keys} for side in ("made", "reused")}


def test_a_second_storyboard_job_reuses_the_owners_assets_and_never_anothers(service: Service) -> None:
    defaults = {"model": "tiny-sd", "width": 64, "height": 64, "steps": 2, "fps": 12, "resolution": "64x64",
                "duration": 0.5}  # fmt: skip
    scenes = [{"id": "one", "prompt": "a red door"}, {"id": "two", "prompt": "a blue car"},
              {"id": "three", "prompt": "a green tree"}]  # fmt: skip
    first = {"defaults": defaults, "scenes": scenes}
    edited = {"defaults": defaults, "scenes": [scenes[0], {**scenes[1], "prompt": "a yellow car"}, scenes[2]]}

    job = service.run(service.submit({"kind": "storyboard", "items": [first]})["id"])
    assert _assets(job) == {"made": {"image": 3, "final": 1}, "reused": {}}
    # another job of the same owner: only the edited scene's image and the cut are made again
    second = service.run(service.submit({"kind": "storyboard", "items": [edited]})["id"])
    assert _assets(second) == {"made": {"image": 1, "final": 1}, "reused": {"image": 2}}

    # another owner renders the same storyboard: nothing of the first owner's is reused
    _, token = service.store.create_key("someone else")
    theirs = service.client.post(
        "/v1/jobs", json={"kind": "storyboard", "items": [edited]}, headers={"Authorization": f"Bearer {token}"}
    )
    assert theirs.status_code == 202, theirs.text
    while service.worker.run_once():
        pass
    other = service.client.get(
        f"/v1/jobs/{theirs.json()['id']}", params={"include": "results"}, headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert _assets(other) == {"made": {"image": 3, "final": 1}, "reused": {}}

    # deleting the first job keeps the owner's shared assets: rendering it again makes nothing
    assert service.client.delete(f"/v1/jobs/{job['id']}", headers=service.headers).status_code == 204
    again = service.run(service.submit({"kind": "storyboard", "items": [first]})["id"])
    assert _assets(again) == {"made": {}, "reused": {"image": 3, "final": 1}}
    [result] = again["results"]
    _, frames, _ = probe(service.download(result["url"]))
    assert frames == 18  # 3 scenes of 0.5 s at 12 fps
