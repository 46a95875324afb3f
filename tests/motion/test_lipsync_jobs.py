"""`lipsync` and `avatar` jobs through the app (TestClient, SQLite, a real `JobWorker`): a lip-sync job's result
has the clip's frames and the new sound; bad inputs are a 422 naming the field before anything is stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PIL import Image

from kiln.media.video import encode_video
from tests.motion.lipsync_helpers import astronaut_clip, portrait, speech
from tests.motion.test_motion_jobs import Service, probe, service  # noqa: F401  (the fixture)


def test_a_lipsync_job_syncs_an_uploaded_clip(service: Service, tmp_path: Path) -> None:  # noqa: F811
    video = service.upload(astronaut_clip(tmp_path / "clip.mp4"))
    audio = service.upload(speech(tmp_path / "voice.wav", 0.75))
    created = service.submit({"kind": "lipsync", "items": [{"video": video, "audio": audio, "batch_size": 4}]})
    job = service.run(created["id"])
    assert job["state"] == "completed", job
    [result] = job["results"]
    kinds, frames, _ = probe(service.download(result["url"]))
    assert kinds == {"video", "audio"} and frames == 6


def test_bad_lipsync_and_avatar_inputs_are_422s_naming_the_field(service: Service, tmp_path: Path) -> None:  # noqa: F811
    clip = service.upload(astronaut_clip(tmp_path / "clip.mp4"))
    voice = service.upload(speech(tmp_path / "voice.wav", 0.75))
    silent = service.upload(astronaut_clip(tmp_path / "silent.mp4", frames=2, audio=False))
    blank_path = tmp_path / "blank.mp4"
    encode_video([Image.new("RGB", (64, 64), "gray")] * 4, blank_path, fps=8, format="mp4")
    blank = service.upload(blank_path)
    wall = tmp_path / "wall.png"
    Image.new("RGB", (64, 64), "gray").save(wall)
    face = service.upload(portrait(tmp_path / "face.png"))
    cases = [
        ("lipsync", {"video": blank, "audio": voice}, "items.0.video", "no face found"),
        ("lipsync", {"video": clip, "audio": silent}, "items.0.audio", "no audio track"),
        ("lipsync", {"video": voice, "audio": voice}, "items.0.video", "not a video"),
        ("lipsync", {"video": clip, "audio": voice, "checkpoint": "/srv/w.pth"}, "items.0.checkpoint", "paths"),
        ("lipsync", {"video": clip}, "items.0.audio", "Field required"),
        ("avatar", {"image": service.upload(wall), "text": "hi"}, "items.0.image", "no face found"),
        ("avatar", {"image": face}, "items.0.audio", "give audio"),
        ("avatar", {"image": face, "audio": silent}, "items.0.audio", "no audio track"),
        ("avatar", {"image": face, "text": "hi", "video_model": "./mine"}, "items.0.video_model", "unknown model"),
        ("avatar", {"image": face, "text": "hi", "voice": "zz-bogus"}, "items.0.voice", "no voice"),
    ]
    for kind, request, field, words in cases:
        error = service.refused({"kind": kind, "items": [request]})
        assert error["field"] == field and words in error["message"], (request, error)
    assert service.store.list_jobs(owner=None, limit=10) == []  # nothing was stored


def test_lipsync_and_avatar_jobs_are_charged_the_frames_they_make(service: Service, tmp_path: Path) -> None:  # noqa: F811
    """A lip-sync costs its video's frames and an avatar its speech's length at its fps, measured at submit; a key
    with a quota cannot send a length the API cannot measure (a URL)."""
    _, token = service.store.create_key("metered", quota_per_day=20)
    metered = {"Authorization": f"Bearer {token}"}

    def submit(request: dict[str, object], kind: str) -> tuple[int, dict[str, Any]]:
        response = service.client.post("/v1/jobs", json={"kind": kind, "items": [request]}, headers=metered)
        return response.status_code, response.json()

    def used() -> int:
        count: int = service.client.get("/v1/usage", headers=metered).json()["images_last_24h"]
        return count

    clip = service.upload(astronaut_clip(tmp_path / "clip.mp4", frames=6), metered)
    voice = service.upload(speech(tmp_path / "voice.wav", 0.75), metered)
    face = service.upload(portrait(tmp_path / "face.png"), metered)
    assert submit({"video": clip, "audio": voice}, "lipsync")[0] == 202
    assert used() == 6  # the clip's frames
    assert submit({"image": face, "audio": voice, "fps": 12}, "avatar")[0] == 202
    assert used() == 6 + 9  # 0.75 s of speech at 12 fps
    status, spoken = submit(
        {"image": face, "text": "a line long enough to last more than five frames", "fps": 4}, "avatar"
    )
    assert status == 429, spoken  # 5 frames left: the synthesized line is longer
    assert used() == 15
    status, linked = submit({"video": "https://example.com/clip.mp4", "audio": voice}, "lipsync")
    assert status == 422 and linked["error"]["field"] == "items.0.video", linked
    assert "upload it" in linked["error"]["message"]
    own_voice = service.upload(speech(tmp_path / "mine.wav", 0.75))
    service.submit({"kind": "lipsync", "items": [{"video": "https://example.com/clip.mp4", "audio": own_voice}]})
