"""`kiln assemble` as a user runs it: a YAML plan with paths relative to it, flags over the plan, the MP4 and its
.srt written where --out says, and a bad plan refused naming the file and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from kiln.cli.app import app
from kiln.errors import InvalidInput
from kiln.media.audio import write_tone
from kiln.media.subtitles import parse_srt
from kiln.media.video import probe_video
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
    assert str(result.exception).startswith("plan.yaml: shots[1].duration:")
    result = CliRunner().invoke(app, ["assemble", str(project / "plan.yaml"), "--out", str(tmp_path / "x.avi")])
    assert isinstance(result.exception, InvalidInput) and result.exception.field == "out"
