"""`kiln video` as a user runs it: a long-form loop into a folder, the same command again resumes, an input image
by URL, and errors that name the flag's field."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kiln.cli.app import app
from kiln.errors import InvalidInput
from kiln.media.video import probe_video
from tests.motion.video_helpers import input_image

TINY = ["--width", "32", "--height", "32", "--steps", "2", "--fps", "8"]


def test_a_long_form_loop_and_the_same_command_again_resumes(tmp_path: Path) -> None:
    args = [
        "video", "--prompt", "a red boat", "--frames", "15", "--segment-prompt", "a boat leaves",
        "--segment-prompt", "the open sea", "--loop", "crossfade", "--loop-frames", "2", "--seed", "4",
        "--out", str(tmp_path / "out"), "--prefix", "boat", *TINY,
    ]  # fmt: skip
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    folder = tmp_path / "out" / "boat"
    video = folder / "video-4.mp4"
    assert str(video) in first.output.replace("\n", "")
    info = probe_video(video)
    assert (info.frames, info.width, info.height, info.video_codec) == (15, 32, 32, "h264")
    segments = sorted((folder / "segments").rglob("*.png"))
    before = {path: path.stat().st_mtime_ns for path in segments}
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0, again.output
    assert "2 already saved" in again.output
    assert {path: path.stat().st_mtime_ns for path in segments} == before


@pytest.fixture
def image_url(tmp_path: Path) -> Iterator[str]:
    served = tmp_path / "served"
    served.mkdir()
    input_image(served / "still.png")
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(served))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/still.png"
    httpd.shutdown()
    httpd.server_close()


def test_image_to_video_from_a_url(tmp_path: Path, image_url: str) -> None:
    args = ["video", "--image", image_url, "--model", "tiny-svd", "--frames", "4", "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(app, [*args, "--prefix", "svd", "--seed", "1", *TINY[:4], "--steps", "1"])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "out" / "svd"
    assert probe_video(folder / "video-1.mp4").frames == 4
    assert len(list(folder.glob("input-*"))) == 1  # the download is kept for a resumed run


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--model", "tiny-svd", "--prompt", "a boat"], "mode"),
        (["--prompt", "a boat", "--segments", "3", "--segment-prompt", "a", "--segment-prompt", "b"], "segments"),
        (["--prompt", "a boat", "--width", "40"], "width"),
        (["--prompt", "a boat", "--format", "gif", "--crf", "20"], "crf"),
        (["--prompt", "a boat", "--prefix", "../elsewhere"], "prefix"),  # the folder rule of `kiln generate`
    ],
)
def test_bad_flags_exit_2_naming_the_field(tmp_path: Path, args: list[str], field: str) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "200"}
    command = [sys.executable, "-m", "kiln.cli", "video", *args, "--out", "out"]
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert f"error: {field}:" in result.stderr
    assert not (tmp_path / "out").exists()  # nothing is made before the request is valid


def test_family_names_the_family_of_a_model_kiln_cannot_tell(tmp_path: Path) -> None:
    import json

    from kiln.engine.loader import save_builtin

    unknown = CliRunner().invoke(app, ["video", "-p", "a boat", "--model", "someone/ltx-tune", *TINY])
    assert isinstance(unknown.exception, InvalidInput) and "--family" in str(unknown.exception)  # the flag exists
    bad = CliRunner().invoke(app, ["video", "-p", "a boat", "--model", "someone/ltx-tune", "--family", "nope"])
    assert isinstance(bad.exception, InvalidInput) and bad.exception.field == "family"
    folder = save_builtin("tiny-ltx", tmp_path / "my-ltx")  # a local folder: its class says LTX, not the tiny one
    index = json.loads((folder / "model_index.json").read_text())
    index.pop("_kiln_builtin")
    (folder / "model_index.json").write_text(json.dumps(index))
    args = ["video", "-p", "a boat", "--model", str(folder), "--frames", "9", "--out", str(tmp_path), *TINY]
    too_small = CliRunner().invoke(app, args).exception  # taken for full-size LTX: 32 px is too small
    assert isinstance(too_small, InvalidInput) and too_small.field == "width"
    made = CliRunner().invoke(app, [*args, "--family", "tiny-ltx", "--prefix", "tuned", "--seed", "3"])
    assert made.exit_code == 0, made.output
    assert probe_video(tmp_path / "tuned" / "video-3.mp4").frames == 9


def test_a_bad_audio_file_is_refused_before_any_segment(tmp_path: Path) -> None:
    (tmp_path / "noise.mp3").write_bytes(os.urandom(4096))
    input_image(tmp_path / "cover.png")
    for audio in ("noise.mp3", "cover.png"):
        args = ["video", "-p", "a boat", "--audio", str(tmp_path / audio), "--out", str(tmp_path), "--prefix", "v"]
        result = CliRunner().invoke(app, [*args, *TINY])
        assert isinstance(result.exception, InvalidInput) and result.exception.field == "audio", result.output
        assert not (tmp_path / "v" / "segments").exists()  # nothing generated
