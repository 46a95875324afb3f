"""Lip-sync and avatar jobs through a real `kiln serve`, killed with -9 mid-job and finished by a new server on the
same folders without redoing finished frames (counted per attempt from the work folder's `log.jsonl`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from kiln.media.tts import wav_duration
from kiln.media.video import probe_video
from tests.conditions import wait_until
from tests.e2e.server import create_key, serve_env, serving
from tests.motion.lipsync_helpers import FPS, astronaut_clip, attempts, portrait, speech

pytestmark = [pytest.mark.slow]


def _client(url: str, key: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60)


def _upload(client: httpx.Client, path: Path) -> str:
    with path.open("rb") as file:
        response = client.post("/v1/uploads", files={"file": (path.name, file)})
    assert response.status_code == 201, response.text
    return str(response.json()["ref"])


def killed_and_resumed(tmp_path: Path, kind: str, files: dict[str, Path], extra: dict[str, Any], sub: str) -> Any:
    """Submit one item, kill -9 the server once its first frames are checkpointed, finish on a new server; the
    per-attempt frames, the finished job and its downloaded file."""
    env = serve_env(tmp_path, KILN_LEASE_SECONDS="3", KILN_HEARTBEAT_SECONDS="0.5", KILN_DEFAULT_MODEL="tiny-sd")
    key = create_key(env)
    with serving(env, tmp_path / "serve-1.log") as server, _client(server.url, key) as client:
        item = {field: _upload(client, path) for field, path in files.items()} | extra
        response = client.post("/v1/jobs", json={"kind": kind, "items": [item]})
        assert response.status_code == 202, response.text
        job_id = response.json()["id"]
        log = tmp_path / "data" / "tasks" / job_id / "00000" / sub / "lipsync" / "log.jsonl"
        wait_until(lambda: attempts(log).get(1), timeout=900, interval=0.01, what="the first frames")
        server.kill_group()
    before = attempts(log)
    with serving(env, tmp_path / "serve-2.log") as server, _client(server.url, key) as client:

        def finished() -> dict[str, Any] | None:
            job: dict[str, Any] = client.get(f"/v1/jobs/{job_id}", params={"include": "results"}).json()
            return job if job["state"] in ("completed", "failed") else None

        job = wait_until(finished, timeout=900, interval=0.2, what="the resumed job")
        assert job["state"] == "completed", (job, server.log())
        [result] = job["results"]
        (tmp_path / "result.mp4").write_bytes(client.get(result["url"]).content)
    return before, attempts(log), tmp_path / "result.mp4"


def check_no_frame_twice(
    before: dict[int, list[tuple[int, int]]], after: dict[int, list[tuple[int, int]]], total: int
) -> None:
    assert list(before) == [1]
    made_first = [frame for start, end in before[1] for frame in range(start, end)]
    assert len(made_first) < total, "the job finished before the kill; nothing was resumed"
    later = [
        frame for attempt, spans in after.items() if attempt > 1 for start, end in spans for frame in range(start, end)
    ]
    assert after[1] == before[1]  # the killed attempt wrote nothing after the kill
    assert sorted(made_first + later) == list(range(total))  # every frame made once, across the attempts


def test_a_killed_lipsync_job_resumes_without_redoing_frames(tmp_path: Path) -> None:
    frames = 32
    files = {"video": astronaut_clip(tmp_path / "clip.mp4", frames=frames), "audio": speech(tmp_path / "v.wav", 4.0)}
    before, after, result = killed_and_resumed(tmp_path, "lipsync", files, {"batch_size": 1}, "")
    check_no_frame_twice(before, after, frames)
    info = probe_video(result)
    assert info.frames == frames and info.has_audio


def test_a_killed_avatar_job_resumes_and_speaks_its_line(tmp_path: Path) -> None:
    line = "Hello, I am the astronaut, and kiln makes me talk."
    files = {"image": portrait(tmp_path / "face.png")}
    extra = {"text": line, "steps": 1, "batch_size": 1}
    before, after, result = killed_and_resumed(tmp_path, "avatar", files, extra, "sync")
    [job_dir] = (tmp_path / "data" / "tasks").iterdir()
    spoken = wav_duration(job_dir / "00000" / "avatar" / "speech.wav")
    info = probe_video(result)
    assert info.has_audio and abs(info.duration - spoken) <= 1.5 / FPS
    check_no_frame_twice(before, after, info.frames)
