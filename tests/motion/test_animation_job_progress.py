"""An animation job's progress as a client sees it over HTTP, with the real worker and runner: the frames made so
far count (not 0.0 until the whole animation is done), with an ETA, and a pause is told once."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any

import pytest

from tests.conditions import wait_until
from tests.motion.test_motion_jobs import Service, service  # noqa: F401  # the service fixture

FRAMES = 24


def _reports(running: Service, job_id: str) -> list[Mapping[str, Any]]:
    return [e.data for e in running.store.events_after(job_id, 0, limit=10_000) if e.type == "item.progress"]


@pytest.mark.timeout(300)
def test_an_animation_reports_its_frames_and_its_pause_once(service: Service) -> None:  # noqa: F811
    animation = {"model": "tiny-sd", "prompts": {"0": "a forest"}, "frames": FRAMES, "fps": 8, "width": 32,
                 "height": 32, "steps": 2, "strength": "0:(0.5)", "seed": 5}  # fmt: skip
    job_id = service.submit({"kind": "animation", "items": [animation]})["id"]
    control = f"/v1/jobs/{job_id}/control"
    stop = threading.Event()
    worker = threading.Thread(target=service.worker.run_forever, args=(stop,), daemon=True)
    worker.start()
    try:

        def some_frames_made() -> bool:
            return any(r.get("message", "").startswith("frame") and r["step"] >= 2 for r in _reports(service, job_id))

        wait_until(some_frames_made, timeout=120, interval=0.02, what="a few frames")
        assert service.client.post(control, json={"action": "pause"}, headers=service.headers).status_code == 202

        def paused_at() -> int | None:
            return next((r["step"] for r in _reports(service, job_id) if r.get("message") == "paused"), None)

        frames_done = wait_until(paused_at, timeout=60, interval=0.02, what="the pause")
        status = service.run_status(job_id)
        assert status["state"] == "running" and status["counts"]["running"] == 1 and status["counts"]["done"] == 0
        assert 0 < frames_done < FRAMES
        assert status["progress"] == pytest.approx(frames_done / FRAMES)  # was 0.0 until the item finished
        assert status["eta_seconds"] is not None and status["eta_seconds"] > 0  # was null

        # a paused runner reports twice a second: watch three of those, then resume
        held = time.monotonic()
        wait_until(lambda: time.monotonic() - held > 1.6, timeout=5, interval=0.1, what="a pause of 1.6 s")
        assert [r.get("message") for r in _reports(service, job_id)].count("paused") == 1
        assert service.client.post(control, json={"action": "resume"}, headers=service.headers).status_code == 202

        def finished() -> dict[str, Any] | None:
            status = service.run_status(job_id)
            return status if status["state"] in ("completed", "failed") else None

        final = wait_until(finished, timeout=240, interval=0.1, what="the animation to finish")
    finally:
        stop.set()
        worker.join(60)
    assert final["state"] == "completed" and final["progress"] == 1.0
    messages = [r.get("message") for r in _reports(service, job_id)]
    assert messages.count("paused") == 1 and messages.count("resumed") == 1
    assert messages.index("paused") < messages.index("resumed")
