"""What the motion pages' browser tests share: gallery images made through the API, a finished job's results,
a sound track made with numpy, and a downloaded video read back with PyAV."""

from __future__ import annotations

import io
import wave
from pathlib import Path
from typing import Any

import av
import numpy as np

from tests.conditions import wait_until
from tests.studio.conftest import TINY, Studio

__all__ = ["finished_job", "make_images", "probe", "tone_wav"]


def finished_job(studio: Studio, key: str, job_id: str, timeout: float = 300) -> dict[str, Any]:
    """The job with its results, once it is final (completed is asserted)."""
    client = studio.client(key)

    def final() -> dict[str, Any] | None:
        job: dict[str, Any] = client.get(f"/v1/jobs/{job_id}", params={"include": "results"}).json()
        return job if job["state"] in ("completed", "failed", "canceled") else None

    job = wait_until(final, timeout=timeout, interval=0.2, what=f"job {job_id} to finish")
    assert job["state"] == "completed", job
    return job


def make_images(studio: Studio, key: str, prompts: list[str]) -> list[str]:
    """Artifact ids of one finished images job of `prompts` (tiny, 64 px so Ken Burns has pixels), in order."""
    created = studio.client(key).post(
        "/v1/jobs", json={"kind": "images", "prompts": prompts, "defaults": {**TINY, "width": 64, "height": 64}}
    )
    assert created.status_code == 202, created.text
    results = finished_job(studio, key, created.json()["id"])["results"]
    return [result["artifact_id"] for result in sorted(results, key=lambda r: r["index"])]


def tone_wav(path: Path, seconds: float, rate: int = 44_100) -> Path:
    """A 440 Hz sine as a 16-bit mono WAV."""
    t = np.arange(int(seconds * rate)) / rate
    samples = (0.3 * np.sin(2 * np.pi * 440 * t) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return path


def probe(data: bytes) -> dict[str, Any]:
    """Stream kinds, decoded video frames, and the container's duration in seconds of a video file."""
    with av.open(io.BytesIO(data), mode="r") as container:
        kinds = sorted(stream.type for stream in container.streams)
        frames = sum(1 for _ in container.decode(video=0))
        duration = float(container.duration or 0) / av.time_base
    return {"kinds": kinds, "frames": frames, "duration": duration}
