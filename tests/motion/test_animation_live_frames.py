"""An animation's live view through the whole service (the real app, a real `JobWorker`, the real runner on tiny
SD): an `item.frame` event per frame with a small WebP, the newest full frame served by
`GET /v1/jobs/{id}/items/{index}/frame` from the job's storage, still while paused, 404 before the first frame and
for another caller."""

from __future__ import annotations

import base64
import io
import threading
import time
from collections.abc import Mapping
from typing import Any

import pytest
from PIL import Image

from kiln.worker.live_frames import KEPT_FRAMES
from tests.conditions import wait_until
from tests.motion.test_motion_jobs import Service, service  # noqa: F401  # the service fixture

FRAMES = 10
WIDTH, HEIGHT = 48, 32


def _frames(running: Service, job_id: str) -> list[Mapping[str, Any]]:
    return [e.data for e in running.store.events_after(job_id, 0, limit=10_000) if e.type == "item.frame"]


def _paused(running: Service, job_id: str) -> bool:
    events = running.store.events_after(job_id, 0, limit=10_000)
    return any(e.type == "item.progress" and e.data.get("message") == "paused" for e in events)


def _webp(uri: str) -> Image.Image:
    head, _, data = uri.partition(",")
    assert head == "data:image/webp;base64"
    return Image.open(io.BytesIO(base64.b64decode(data)))


@pytest.mark.timeout(300)
def test_an_animation_shows_its_frames_as_they_are_made(service: Service) -> None:  # noqa: F811
    animation = {"model": "tiny-sd", "prompts": {"0": "a forest", "4": "a desert"}, "frames": FRAMES, "fps": 8,
                 "width": WIDTH, "height": HEIGHT, "steps": 2, "strength": "0:(0.6)", "zoom": "0:(1.1)",
                 "seed": 5}  # fmt: skip
    job_id = service.submit({"kind": "animation", "items": [animation]})["id"]
    frame_url = f"/v1/jobs/{job_id}/items/0/frame"
    early = service.client.get(frame_url, headers=service.headers)
    assert early.status_code == 404 and early.json()["error"]["type"] == "not_found"
    assert service.client.get(f"/v1/jobs/{job_id}/items/1/frame", headers=service.headers).status_code == 404

    control = f"/v1/jobs/{job_id}/control"
    stop = threading.Event()
    worker = threading.Thread(target=service.worker.run_forever, args=(stop,), daemon=True)
    worker.start()
    try:
        wait_until(lambda: len(_frames(service, job_id)) >= 5, timeout=120, interval=0.02, what="five frames")
        assert service.client.post(control, json={"action": "pause"}, headers=service.headers).status_code == 202
        wait_until(lambda: _paused(service, job_id), timeout=60, interval=0.02, what="the pause")
        held = len(_frames(service, job_id))
        assert 5 <= held < FRAMES
        newest = service.client.get(frame_url, headers=service.headers)
        assert newest.status_code == 200 and newest.headers["content-type"] == "image/png"
        assert newest.headers["x-kiln-frame"] == str(held - 1)
        with Image.open(io.BytesIO(newest.content)) as image:
            assert image.format == "PNG" and image.size == (WIDTH, HEIGHT)

        # paused: the runner re-checks twice a second; over 1.6 s no frame is made and the newest stays the same
        started = time.monotonic()
        wait_until(lambda: time.monotonic() - started > 1.6, timeout=5, interval=0.1, what="a pause of 1.6 s")
        assert len(_frames(service, job_id)) == held
        again = service.client.get(frame_url, headers=service.headers)
        assert again.headers["x-kiln-frame"] == str(held - 1) and again.content == newest.content

        first = service.client.get(frame_url, params={"n": 0}, headers=service.headers)
        assert first.status_code == 200 and first.headers["x-kiln-frame"] == "0" and first.content != newest.content
        assert service.client.get(frame_url, params={"n": FRAMES + 5}, headers=service.headers).status_code == 404
        stranger = service.store.create_key("stranger")[1]
        foreign = service.client.get(frame_url, headers={"Authorization": f"Bearer {stranger}"})
        assert foreign.status_code == 404

        assert service.client.post(control, json={"action": "resume"}, headers=service.headers).status_code == 202

        def finished() -> dict[str, Any] | None:
            status = service.run_status(job_id)
            return status if status["state"] in ("completed", "failed") else None

        final = wait_until(finished, timeout=240, interval=0.1, what="the animation to finish")
    finally:
        stop.set()
        worker.join(60)
    assert final["state"] == "completed", final
    events = _frames(service, job_id)
    assert [e["frame"] for e in events] == list(range(FRAMES))
    assert {(e["index"], e["frames"], e["paused"]) for e in events} == {(0, FRAMES, False)}
    assert all(e["seconds"] > 0 for e in events)
    assert len({e["image"] for e in events}) >= 5  # different frames, not one picture told again
    with _webp(events[-1]["image"]) as small:
        assert small.size == (WIDTH, HEIGHT)  # small frames are not enlarged
    assert service.client.get(frame_url, headers=service.headers).headers["x-kiln-frame"] == str(FRAMES - 1)

    # deleting the job removes its live frames with its files
    assert service.client.delete(f"/v1/jobs/{job_id}", headers=service.headers).status_code == 204
    assert not list((service.worker.settings.output_dir).rglob(".frames"))
    assert KEPT_FRAMES > FRAMES  # every frame was kept above (`?n=0` answered)
