"""An LTX-2 video job through a real `kiln serve`: its worker is killed with -9 after some segments (frames and
sound) are saved, the restarted worker makes only the missing ones, and the finished MP4 has the sound track."""

from __future__ import annotations

import io
import os
import signal
from pathlib import Path
from typing import Any

import av
import httpx
import pytest

from tests.conditions import wait_until
from tests.e2e.server import create_key, group_members, serve_env, serving

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="watches process groups in /proc (Linux)"),
]

SEGMENTS = 4
REQUEST = {"model": "tiny-ltx2", "prompt": "a marching band", "segments": SEGMENTS, "frames": 4 * 16 + 1,
           "fps": 24, "width": 32, "height": 32, "steps": 2, "seed": 3}  # fmt: skip


def saved_segments(work: Path) -> dict[str, tuple[int, int]]:
    """Each finished segment's files (its JSON, written last, and its audio) by name: (inode, mtime)."""
    found = {}
    for meta in sorted((work / "segments").glob("[0-9][0-9][0-9][0-9].json")):
        for path in (meta, meta.with_suffix(".wav")):
            stat = path.stat()
            found[path.name] = (stat.st_ino, stat.st_mtime_ns)
    return found


def test_a_killed_worker_resumes_an_ltx2_video_without_redoing_segments(tmp_path: Path) -> None:
    env = serve_env(tmp_path, KILN_LEASE_SECONDS="3", KILN_HEARTBEAT_SECONDS="0.5", KILN_PRELOAD_MODEL="false")
    headers = {"Authorization": f"Bearer {create_key(env)}"}
    with serving(env, tmp_path / "serve.log") as server, httpx.Client(base_url=server.url, headers=headers) as api:
        response = api.post("/v1/jobs", json={"kind": "video", "items": [REQUEST]}, timeout=30)
        assert response.status_code == 202, response.text
        job_id = response.json()["id"]
        work = tmp_path / "data" / "tasks" / job_id / "00000"

        # 1. kill -9 the worker (not the server) once a segment is saved and others are still to come
        def mid_run() -> bool:
            return 1 <= len(list((work / "segments").glob("[0-9]*.json"))) < SEGMENTS - 1

        wait_until(mid_run, timeout=600, interval=0.02, what="a first segment saved")
        workers = [pid for pid in group_members(server.pid) if pid != server.pid]
        assert workers, server.log()
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        before = saved_segments(work)
        assert 2 <= len(before) < 2 * SEGMENTS  # a JSON and a WAV per finished segment

        # 2. the supervisor starts a new worker; the lease lapses; the job completes
        def finished() -> dict[str, Any] | None:
            job: dict[str, Any] = api.get(f"/v1/jobs/{job_id}", params={"include": "results"}, timeout=30).json()
            return job if job["state"] in ("completed", "failed", "canceled") else None

        job = wait_until(finished, timeout=900, interval=0.2, what="the video job to finish")
        assert job["state"] == "completed", (job, server.log())
        data = api.get(job["results"][0]["url"], timeout=30).content

    # the segments saved before the kill are the same files (not made again); the rest were made once each
    after = saved_segments(work)
    assert len(after) == 2 * SEGMENTS
    assert {name: after[name] for name in before} == before
    with av.open(io.BytesIO(data)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert video.frames == REQUEST["frames"] and audio.codec_context.name == "aac"
        assert video.duration is not None and audio.duration is not None
        assert video.time_base is not None and audio.time_base is not None
        seconds = float(video.duration * video.time_base)
        assert abs(float(audio.duration * audio.time_base) - seconds) <= 1 / 24
