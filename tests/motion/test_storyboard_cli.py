"""`kiln render` as a user runs it: a real process renders a storyboard file into an MP4 and its subtitles, a second
run finds every asset cached, and a bad storyboard is refused naming the scene."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from kiln.media.video import probe_video

KILN = [sys.executable, "-m", "kiln.cli"]
ENV = {**os.environ, "KILN_THREADS": "2", "HF_HUB_OFFLINE": "1", "COLUMNS": "200"}
STORY = """\
title: Two Lights
defaults: {model: tiny-sd, width: 64, height: 64, steps: 2, fps: 12, resolution: 160x90, duration: 1.0}
subtitles: burned
scenes:
  - id: dusk
    prompt: a lighthouse at dusk
    narration: The light comes on.
    transition: {kind: crossfade, duration: 0.25}
  - id: dark
    prompt: a lighthouse at night
    shot: {kind: ken_burns, zoom: [1.0, 1.5], pan: [[0.3, 0.4], [0.6, 0.5]]}
"""


def kiln(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*KILN, *args], cwd=cwd, env=ENV, capture_output=True, text=True, timeout=300)


def test_kiln_render_makes_the_video_then_reuses_its_cache(tmp_path: Path) -> None:
    (tmp_path / "story.yaml").write_text(STORY)
    first = kiln("render", "story.yaml", "--out", "out", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "image 2 made" in first.stdout and "narration 1 made" in first.stdout
    video = tmp_path / "out" / "two-lights.mp4"
    info = probe_video(video)
    assert (info.width, info.height, info.has_audio) == (160, 90, True)
    assert "The light comes on." in (tmp_path / "out" / "two-lights.srt").read_text()

    again = kiln("render", "story.yaml", "--out", "out", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "image 0 made, 2 cached" in again.stdout and "final 0 made, 1 cached" in again.stdout
    assert probe_video(video).frames == info.frames


def test_kiln_render_refuses_a_bad_storyboard_naming_the_scene(tmp_path: Path) -> None:
    (tmp_path / "story.yaml").write_text(STORY.replace("zoom: [1.0, 1.5]", "zoom: [0.5, 1.5]"))
    result = kiln("render", "story.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert "story.yaml, line 11: scene #2 'dark': shot.zoom.0:" in result.stderr
    assert not (tmp_path / "outputs").exists()


def test_a_typo_in_defaults_model_is_reported_at_defaults_model(tmp_path: Path) -> None:
    (tmp_path / "story.yaml").write_text(STORY.replace("model: tiny-sd", "model: tiny-sdd"))
    result = kiln("render", "story.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert "defaults.model: unknown model 'tiny-sdd'" in result.stderr and "scene #1" not in result.stderr
