"""`POST /v1/uploads` checks a file by its content before it keeps it: a truncated image, a bomb or a sound file
that does not decode is a 422 naming `file` (not a job accepted, charged, and failed by the worker); the stored
content type is the one found, whatever the client's header says; a file name loses its control characters. An
animation's `audio` is checked at submit like a video's."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from PIL import Image

from kiln.media.audio import write_tone
from tests.api.conftest import Api
from tests.bomb import bomb_png


def png(size: tuple[int, int] = (48, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, format="PNG")
    return buffer.getvalue()


def post(api: Api, name: str, data: bytes, content_type: str = "application/octet-stream") -> dict[str, Any]:
    response = api.client.post("/v1/uploads", files={"file": (name, data, content_type)})
    assert response.status_code < 500, response.text
    answer: dict[str, Any] = {"status": response.status_code, **response.json()}
    return answer


def refused(api: Api, name: str, data: bytes) -> str:
    answer = post(api, name, data)
    assert answer["status"] == 422 and answer["error"]["field"] == "file", answer
    message: str = answer["error"]["message"]
    assert str(api.settings.output_dir) not in message and "/tmp" not in message, message
    return message


def test_files_that_do_not_decode_are_refused_when_uploaded(api: Api, tmp_path: Path) -> None:
    whole = png((256, 256))
    assert "truncated" in refused(api, "cut.png", whole[: len(whole) // 2])
    assert "not an image" in refused(api, "junk.png", b"not a picture at all")
    assert "KILN_MAX_INPUT_PIXELS" in refused(api, "bomb.png", bomb_png())
    noise = bytes(range(256)) * 40
    message = refused(api, "noise.wav", noise)
    assert "noise.wav" in message and "FFmpeg" in message
    tone = write_tone(tmp_path / "tone.wav", seconds=1.0).read_bytes()
    assert "silent.wav" in refused(api, "silent.wav", tone[:44])  # a header alone: no sound to decode
    assert "clip.mp4" in refused(api, "clip.mp4", noise)
    assert not list(api.settings.output_dir.rglob("*.*")), "nothing refused is kept"
    assert post(api, "tone.wav", tone)["status"] == 201
    assert post(api, "whole.png", whole)["status"] == 201


def raw_upload(api: Api, name: bytes, content_type: bytes, data: bytes) -> dict[str, Any]:
    """A multipart body written by hand: HTTP clients refuse control characters that a hostile client sends."""
    head = b'--b\r\nContent-Disposition: form-data; name="file"; filename="' + name + b'"\r\nContent-Type: '
    body = head + content_type + b"\r\n\r\n" + data + b"\r\n--b--\r\n"
    response = api.client.post("/v1/uploads", content=body, headers={"Content-Type": "multipart/form-data; boundary=b"})
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_the_content_type_is_the_files_own_and_the_name_loses_control_characters(api: Api) -> None:
    answer = raw_upload(api, b"sti\x00ll\x07.png", b"image/png\x00x", png())
    assert answer["content_type"] == "image/png" and answer["filename"] == "still.png"
    jpeg = io.BytesIO()
    Image.new("RGB", (8, 8)).save(jpeg, format="JPEG")
    assert post(api, "photo.jpg", jpeg.getvalue(), "text/html")["content_type"] == "image/jpeg"


def test_an_animations_audio_is_checked_at_submit(api: Api) -> None:
    ref = post(api, "tone.wav", write_tone(Path(api.settings.data_dir) / "t.wav", seconds=1.0).read_bytes())["ref"]
    [upload] = api.folder.path("uploads").rglob(f"{ref.removeprefix('upload:')}.wav")
    upload.write_bytes(bytes(range(256)) * 40)  # became junk after it was uploaded
    animation = {"model": "tiny-sd", "prompts": {"0": "a"}, "frames": 2, "width": 32, "height": 32, "audio": ref}
    response = api.client.post("/v1/jobs", json={"kind": "animation", "items": [animation]})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == "items.0.audio" and ref in error["message"], error
    assert str(api.settings.output_dir) not in error["message"] and "uploads/" not in error["message"]
    assert api.store.list_jobs(limit=5) == []  # nothing accepted, nothing charged
