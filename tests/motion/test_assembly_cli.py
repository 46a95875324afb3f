"""`kiln assemble` as a user runs it: a YAML plan with paths relative to it, flags over the plan, the MP4 and its
.srt written where --out says, and a bad plan refused naming the file and field."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from kiln.cli.app import app
from kiln.errors import InvalidInput
from kiln.media.audio import write_tone
from kiln.media.subtitles import parse_srt
from kiln.media.video import encode_video, probe_video
from tests.conditions import needs_espeak

PLAN = """\
width: 320
height: 180
fps: 24
shots:
  - image: stills/red.png
    duration: 0.5
    motion: {start_zoom: 1.0, end_zoom: 1.2}
    transition: {kind: crossfade, duration: 0.25}
    narration: Red first.
  - image: stills/blue.png
    duration: 0.5
music: {path: music.wav, volume: 0.4}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "stills").mkdir()
    Image.new("RGB", (200, 120), (200, 30, 30)).save(tmp_path / "stills" / "red.png")
    Image.new("RGB", (200, 120), (30, 30, 200)).save(tmp_path / "stills" / "blue.png")
    write_tone(tmp_path / "music.wav", seconds=1.0)
    (tmp_path / "plan.yaml").write_text(PLAN)
    return tmp_path


@needs_espeak
def test_assemble_a_plan_with_flags_over_it(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "renders" / "final.mp4"
    args = ["assemble", str(project / "plan.yaml"), "--out", str(out), "--resolution", "720p", "--fps", "12"]
    result = CliRunner().invoke(app, [*args, "--burn-subtitles"])
    assert result.exit_code == 0, result.output
    info = probe_video(out)
    assert (info.width, info.height, info.fps, info.has_audio) == (1280, 720, 12, True)
    assert "Done." in result.output and str(out) in result.output.replace("\n", "")
    [cue] = parse_srt(out.with_suffix(".srt").read_text(encoding="utf-8"))
    assert cue.text == "Red first." and cue.start == 0.0


def test_a_bad_plan_names_the_file_and_field(project: Path, tmp_path: Path) -> None:
    (project / "plan.yaml").write_text(PLAN.replace("duration: 0.5\nmusic", "duration: 0\nmusic"))
    result = CliRunner().invoke(app, ["assemble", str(project / "plan.yaml"), "--out", str(tmp_path / "x.mp4")])
    assert isinstance(result.exception, InvalidInput)
    assert str(result.exception).startswith("plan.yaml, line 11: shots[1].duration:")
    result = CliRunner().invoke(app, ["assemble", str(project / "plan.yaml"), "--out", str(tmp_path / "x.avi")])
    assert isinstance(result.exception, InvalidInput) and result.exception.field == "out"


def coloured_clip(path: Path, colours: list[tuple[int, int, int]], fps: int) -> Path:
    """A clip of one solid colour per frame."""
    encode_video((Image.new("RGB", (64, 36), colour) for colour in colours), path, fps=fps, format="mp4")
    return path


RAINBOW = [(250, 20, 20), (20, 250, 20), (20, 20, 250), (250, 250, 20)]  # four frames: 1 s at 4 fps


def shown_colours(path: Path) -> list[int]:
    """Each frame of a video as the index of the RAINBOW colour nearest to it."""
    with av.open(str(path)) as container:
        frames = [frame.to_ndarray(format="rgb24").mean(axis=(0, 1)) for frame in container.decode(video=0)]
    return [int(np.argmin([np.abs(frame - np.array(c)).sum() for c in RAINBOW])) for frame in frames]


@pytest.mark.parametrize(
    ("fit", "expected"),
    [
        (None, [0, 1, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3]),
        ("hold", [0, 1, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3]),
        ("loop", [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]),
        ("stretch", [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]),
    ],
)
def test_a_clip_shorter_than_its_shot_warns_or_follows_its_fit(
    tmp_path: Path, fit: str | None, expected: list[int]
) -> None:
    coloured_clip(tmp_path / "clip.mp4", RAINBOW, fps=4)
    shot = "  - {clip: clip.mp4, duration: 3.0" + ("" if fit is None else f", fit: {fit}") + "}\n"
    (tmp_path / "plan.yaml").write_text("width: 64\nheight: 36\nfps: 4\nshots:\n" + shot)
    result = CliRunner().invoke(app, ["assemble", str(tmp_path / "plan.yaml"), "--out", str(tmp_path / "out.mp4")])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert ("warning: shot 1: its clip lasts 1.00 s of the 3.00 s" in said) == (fit is None)
    assert "fit: loop or fit: stretch" in said or fit is not None
    assert shown_colours(tmp_path / "out.mp4") == expected


def test_plan_errors_name_the_file_and_line(project: Path, tmp_path: Path) -> None:
    (project / "plan.yaml").write_text(PLAN.replace("duration: 0.5\nmusic", "duration: 0\nmusic"))
    result = CliRunner().invoke(app, ["assemble", str(project / "plan.yaml"), "--out", str(tmp_path / "x.mp4")])
    assert str(result.exception).startswith("plan.yaml, line 11: shots[1].duration:")
    (project / "plan.yaml").write_text(PLAN.replace("fps: 24", "fps: [24"))
    result = CliRunner().invoke(app, ["assemble", str(project / "plan.yaml"), "--out", str(tmp_path / "x.mp4")])
    assert isinstance(result.exception, InvalidInput)
    assert str(result.exception).startswith("plan.yaml: plan: line 4, column 6:")
