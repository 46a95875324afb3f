"""`kiln animate` as a user runs it: a stopped animation goes on when run again, --frames lengthens it, --restart
starts a new production; commands sent while nothing runs say so; the sprite and zoom flags; a paused run says so
in a log."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from kiln.cli.app import app
from kiln.engine.executor import Engine
from kiln.errors import InvalidInput, KilnError
from kiln.media.audio import write_tone
from kiln.media.video import probe_video
from kiln.motion.animation.controls import QueueControl
from kiln.motion.animation.runner import run_animation
from kiln.motion.animation.state import AnimationFolder
from kiln.motion.task import NullControl
from tests.conditions import wait_until
from tests.motion.animation_helpers import tiny_request

TINY = ["--width", "64", "--height", "64", "--steps", "4", "--strength", "0:(0.5)", "--fps", "12"]
KILN = [sys.executable, "-m", "kiln.cli"]
ENV = {**os.environ, "KILN_THREADS": "2", "HF_HUB_OFFLINE": "1", "COLUMNS": "200"}


def animate(*args: str) -> str:
    result = CliRunner().invoke(app, ["animate", "-p", "a misty forest", "--model", "tiny-sd", *TINY, *args])
    assert result.exit_code == 0, (result.output, result.exception)
    return " ".join(result.output.split())  # rich wraps long lines


def frames_in(folder: Path) -> int:
    return len(list((folder / "frames").glob("frame_*.png")))


def test_a_stopped_animation_goes_on_frames_lengthens_it_and_restart_starts_again(tmp_path: Path) -> None:
    out = ["--out", str(tmp_path)]
    assert "Done. 2 frames" in animate("--frames", "2", "--seed", "3", *out)
    sent = CliRunner().invoke(app, ["animate", "control", str(tmp_path), "stop"])
    assert sent.exit_code == 0 and "no animation is running there" in sent.output.replace("\n", " ")
    stopped = animate("--frames", "4", "--seed", "3", *out)  # lengthened, then the queued stop ends it at once
    assert "apply before the next frame: stop" in stopped and "Done. 2 frames" in stopped
    again = animate("--frames", "4", "--seed", "3", *out)  # the same command: the stopped animation goes on
    assert "going on after frame 2" in again and "Done. 4 frames" in again
    assert frames_in(tmp_path) == 4
    shorter = CliRunner().invoke(app, ["animate", "-p", "a misty forest", *TINY, "--frames", "3", "--seed", "3", *out])
    assert isinstance(shorter.exception, InvalidInput) and "--frames 4 or more" in shorter.exception.message
    seed = json.loads((tmp_path / "state" / "state.json").read_text())["seed"]
    fresh = animate("--frames", "2", "--restart", *out)  # no --seed: a new one is drawn
    assert "Done. 2 frames" in fresh and frames_in(tmp_path) == 2
    [earlier] = (tmp_path / "earlier").iterdir()
    assert len(list((earlier / "frames").glob("*.png"))) == 4 and (earlier / "animation.mp4").is_file()
    state = AnimationFolder(tmp_path).load_state()
    assert state is not None and state.seed != seed and state.done == 2


def test_zoom_levels_become_the_per_frame_factor(tmp_path: Path) -> None:
    animate("--frames", "3", "--zoom-start", "1.0", "--zoom-end", "1.21", "--seed", "1", "--out", str(tmp_path))
    state = AnimationFolder(tmp_path).load_state()
    assert state is not None
    factor = float(state.original.zoom.removeprefix("0:(").removesuffix(")"))
    assert math.isclose(factor**2, 1.21)  # frames 1 and 2 are moved: the product is end / start
    both = CliRunner().invoke(app, ["animate", "-p", "x", "--zoom", "0:(1.01)", "--zoom-end", "1.2"])
    assert isinstance(both.exception, InvalidInput) and both.exception.field == "zoom_start"
    bad = CliRunner().invoke(app, ["animate", "-p", "x", "--zoom-start", "0", "--zoom-end", "1.2"])
    assert isinstance(bad.exception, InvalidInput) and bad.exception.field == "zoom_start"
    help_text = CliRunner().invoke(app, ["animate", "--help"], env={"COLUMNS": "200"}).output
    assert "--zoom-start" in help_text and "--zoom-end" in help_text and "factor" in help_text


def test_sprite_flags_shape_the_sprite(tmp_path: Path) -> None:
    Image.new("RGBA", (8, 8), (0, 255, 0, 255)).save(tmp_path / "sprite.png")
    flags = ["--sprite", str(tmp_path / "sprite.png"), "--sprite-size", "0.5", "--sprite-path", "sway"]
    animate("--frames", "1", *flags, "--sprite-period", "10", "--sprite-seed", "4", "--out", str(tmp_path / "a"))
    state = AnimationFolder(tmp_path / "a").load_state()
    assert state is not None and state.original.sprite is not None
    assert state.original.sprite.model_dump(include={"size", "path", "period", "seed"}) == {
        "size": 0.5, "path": "sway", "period": 10.0, "seed": 4,
    }  # fmt: skip
    alone = CliRunner().invoke(app, ["animate", "-p", "x", "--sprite-size", "0.3"])
    assert isinstance(alone.exception, InvalidInput) and "--sprite IMAGE" in alone.exception.message
    bad = CliRunner().invoke(app, ["animate", "-p", "x", *flags[:2], "--sprite-path", "zigzag"])
    assert isinstance(bad.exception, InvalidInput) and bad.exception.field == "sprite.path"


def test_a_teleport_names_its_image(tmp_path: Path) -> None:
    animate("--frames", "1", "--seed", "1", "--out", str(tmp_path))
    sent = CliRunner().invoke(app, ["animate", "control", str(tmp_path), "teleport", str(tmp_path / "nope.png")])
    assert isinstance(sent.exception, InvalidInput)
    assert sent.exception.field == "image" and "teleport image" in sent.exception.message
    assert "init_image" not in str(sent.exception)


def test_a_paused_run_says_so_in_a_log_and_a_command_to_it_applies_at_once(tmp_path: Path) -> None:
    animate("--frames", "1", "--seed", "1", "--out", str(tmp_path))
    CliRunner().invoke(app, ["animate", "control", str(tmp_path), "pause"])
    log = tmp_path / "log.txt"
    args = ["animate", "-p", "a misty forest", "--model", "tiny-sd", *TINY, "--frames", "2", "--seed", "1"]
    with log.open("w") as output:
        run = subprocess.Popen([*KILN, *args, "--out", str(tmp_path)], stdout=output, stderr=output, env=ENV)
        try:
            wait_until(lambda: "animating 1/2: paused" in log.read_text(), timeout=120, what="a paused line")
            sent = CliRunner().invoke(app, ["animate", "control", str(tmp_path), "resume"])
            assert "applies between two frames" in " ".join(sent.output.split())
            assert run.wait(timeout=120) == 0
        finally:
            run.kill()
    text = log.read_text()
    assert text.count(": paused") == 1 and "Done. 2 frames" in text  # said once, not every half second


def test_a_bad_audio_file_is_refused_before_any_frame(tmp_path: Path) -> None:
    (tmp_path / "noise.mp3").write_bytes(os.urandom(4096))
    Image.new("RGB", (8, 8)).save(tmp_path / "cover.png")
    for audio in ("noise.mp3", "cover.png"):
        args = ["animate", "-p", "x", *TINY, "--audio", str(tmp_path / audio), "--out", str(tmp_path / "run")]
        result = CliRunner().invoke(app, args)
        assert isinstance(result.exception, InvalidInput) and result.exception.field == "audio", result.output
        assert not (tmp_path / "run" / "frames").exists()  # nothing generated


def test_an_encoding_failure_keeps_the_frames_and_the_same_run_encodes_them(engine: Engine, tmp_path: Path) -> None:
    song = write_tone(tmp_path / "song.wav", seconds=1.0)
    request = tiny_request(frames=2, audio=str(song))
    work_dir = tmp_path / "run"

    def break_the_audio(done: int, total: int, message: str) -> None:
        if message == f"frame {total} of {total}":  # every frame is made: the encoder comes next
            (tmp_path / "song.wav").write_bytes(os.urandom(4096))

    with pytest.raises(KilnError) as caught:
        run_animation(request, models=engine, work_dir=work_dir, control=QueueControl(on_progress=break_the_audio))
    message = str(caught.value)
    assert "encoding animation.mp4 failed" in message and "run the same command again" in message
    assert frames_in(work_dir) == 2 and not (work_dir / "animation.mp4").exists()
    made = {path: path.stat().st_mtime_ns for path in (work_dir / "frames").iterdir()}
    write_tone(song, seconds=1.0)
    [video] = run_animation(request, models=engine, work_dir=work_dir, control=NullControl())
    assert {path: path.stat().st_mtime_ns for path in (work_dir / "frames").iterdir()} == made  # not made again
    assert probe_video(video.path).has_audio


def test_kiln_animate_without_a_size_uses_the_models_size(tmp_path: Path) -> None:
    """The README's `kiln animate -p "a forest" ...` has no --width/--height: tiny-sd's 128x128, not 512x512."""
    flags = ["animate", "-p", "a forest", "--model", "tiny-sd", "--frames", "1", "--steps", "2"]
    result = CliRunner().invoke(app, [*flags, "--out", str(tmp_path / "default")])
    assert result.exit_code == 0, (result.output, result.exception)
    assert "1 frames at 128x128 with tiny-sd" in " ".join(result.output.split())
    with Image.open(tmp_path / "default" / "frames" / "frame_00000.png") as frame:
        assert frame.size == (128, 128)
    wide = CliRunner().invoke(app, [*flags, "--width", "96", "--height", "64", "--out", str(tmp_path / "wide")])
    assert wide.exit_code == 0 and "1 frames at 96x64" in " ".join(wide.output.split())
