"""`POST /v1/audio/beats` over the real app: a 120 BPM click track uploaded as MP3 and WAV (made with PyAV) yields
its beats 0.5 s apart, each within one frame at 24 fps of a click, and a tempo of 120; a picture, another key's
upload, a track over 20 minutes and a reference that is no upload are 422 naming `audio`."""

from __future__ import annotations

import io
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from tests.api.conftest import Api, bearer
from tests.media.click_track import click_samples, click_times, write_audio

FRAME = 1 / 24
SECONDS = 12.0


def upload(api: Api, token: str, name: str, data: bytes) -> str:
    response = api.client.post("/v1/uploads", files={"file": (name, data)}, headers=bearer(token))
    assert response.status_code == 201, response.text
    ref: str = response.json()["ref"]
    return ref


def beats(api: Api, token: str, audio: str) -> tuple[int, dict[str, Any]]:
    response = api.client.post("/v1/audio/beats", json={"audio": audio}, headers=bearer(token))
    body: dict[str, Any] = response.json()
    return response.status_code, body


@pytest.mark.timeout(600)  # librosa's first analysis in a process compiles numba code
@pytest.mark.parametrize("suffix", [".mp3", ".wav"])
def test_a_click_track_at_120_bpm_has_beats_half_a_second_apart(secured: Api, tmp_path: Path, suffix: str) -> None:
    token = secured.key("alice")
    track = write_audio(tmp_path / f"click{suffix}", click_samples(bpm=120, seconds=SECONDS))
    status, found = beats(secured, token, upload(secured, token, track.name, track.read_bytes()))
    assert status == 200, found
    assert found["duration_seconds"] == pytest.approx(SECONDS, abs=0.05)
    assert found["tempo_bpm"] == pytest.approx(120, abs=1)
    clicks = np.array(click_times(bpm=120, seconds=SECONDS))
    assert len(found["beats"]) >= len(clicks) - 3  # the tracker may skip a beat at either end
    assert all(np.min(np.abs(clicks - t)) <= FRAME for t in found["beats"])  # on a click, within a frame at 24 fps
    assert all(abs(gap - 0.5) <= FRAME for gap in np.diff(found["beats"]))
    assert all(np.min(np.abs(clicks - t)) <= FRAME for t in found["onsets"]) and len(found["onsets"]) >= len(clicks) - 2


def test_what_is_not_the_callers_audio_is_refused_naming_the_field(secured: Api, tmp_path: Path) -> None:
    alice, bob = secured.key("alice"), secured.key("bob")
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), "red").save(buffer, format="PNG")
    picture = upload(secured, alice, "still.png", buffer.getvalue())
    track = write_audio(tmp_path / "click.wav", click_samples(bpm=120, seconds=2))
    bobs = upload(secured, bob, "click.wav", track.read_bytes())
    long_track = tmp_path / "long.wav"
    with wave.open(str(long_track), "wb") as out:  # 20.5 minutes of silence at 8 kHz: refused by its header
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(bytes(2 * 8000 * 1230))
    too_long = upload(secured, alice, "long.wav", long_track.read_bytes())
    cases = [
        (picture, "no audio track"),
        (bobs, "no upload"),
        (too_long, "longer than 20 minutes"),
        ("https://example.com/song.mp3", "is not upload:<id>"),
        ("artifact:nope", "no artifact"),
    ]
    for audio, says in cases:
        status, body = beats(secured, alice, audio)
        assert status == 422, (audio, body)
        assert body["error"]["field"] == "audio" and says in body["error"]["message"], body
    status, body = beats(secured, bob, bobs)
    assert status == 200 and body["duration_seconds"] == pytest.approx(2.0, abs=0.05)
    assert secured.client.post("/v1/audio/beats", json={"audio": bobs}).status_code == 401  # a key, as everywhere
