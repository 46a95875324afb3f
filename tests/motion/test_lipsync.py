"""Lip-sync on a real face: Wav2Lip's layout and checkpoint loading, mel windows aligned to the video's frames, the
Haar detector on scikit-image's astronaut, pixels changed only inside the face boxes, the new sound muxed, a
stopped run resumed without redoing frames, and bad inputs refused from the command line (exit 2 naming the field)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from kiln.engine.loader import LoadedModel
from kiln.engine.wav2lip import Wav2Lip, load_wav2lip
from kiln.errors import Cancelled
from kiln.media.faces import Padding, face_boxes
from kiln.media.mel import mel_spectrogram, mel_windows
from kiln.media.video import encode_video, probe_video
from kiln.motion.lipsync.request import LipsyncRequest
from kiln.motion.lipsync.runner import run_lipsync
from kiln.motion.task import NullControl
from tests.motion.lipsync_helpers import NEW_HZ, astronaut_clip, attempts, decoded, dominant_hz, speech

ROOT = Path(__file__).resolve().parents[2]


class NoModels:
    """A lip-sync loads no pipeline: asking for one is a bug."""

    def model(self, name: str, family: str | None = None) -> LoadedModel:
        raise AssertionError(f"a lip-sync asked for the pipeline {name}")


NO_MODELS = NoModels()


def test_the_published_layout_loads_from_a_dataparallel_checkpoint(tmp_path: Path) -> None:
    model = Wav2Lip()
    assert 36_000_000 < sum(p.numel() for p in model.parameters()) < 36_600_000  # the published 36.3 M
    assert "face_encoder_blocks.0.0.conv_block.0.weight" in model.state_dict()
    state = {f"module.{k}": v.clone().fill_(0.5) if v.is_floating_point() else v for k, v in model.state_dict().items()}
    torch.save({"state_dict": state, "global_step": 1}, tmp_path / "wav2lip.pth")
    loaded = load_wav2lip(tmp_path / "wav2lip.pth")
    weight = loaded.output_block[1].weight
    assert isinstance(weight, torch.Tensor) and torch.equal(weight, torch.full_like(weight, 0.5))
    out = loaded(torch.zeros(2, 1, 80, 16), torch.zeros(2, 6, 96, 96))
    assert out.shape == (2, 3, 96, 96)


def test_mel_windows_follow_the_video_frame_rate() -> None:
    mel = mel_spectrogram(np.sin(np.arange(16000) * 0.2).astype(np.float32))  # one second
    assert mel.shape == (80, 81) and mel.min() >= -4 and mel.max() <= 4
    windows = mel_windows(mel, fps=25, frames=30)
    assert windows.shape == (30, 80, 16)
    assert np.array_equal(windows[5], mel[:, 16:32])  # frame 5 of 25 fps starts at 80 * 5 / 25
    assert np.array_equal(windows[29], mel[:, -16:])  # past the speech: the last window


def test_boxes_are_padded_smoothed_and_gaps_filled() -> None:
    found = [(10.0, 10.0, 30.0, 30.0), None, (20.0, 10.0, 40.0, 30.0)]
    boxes = face_boxes(found, width=50, height=35, padding=Padding(top=2, bottom=10, left=1, right=1))
    assert boxes[1].x1 == round((10 + 10 + 20) / 3) - 1  # the gap took its nearest (frame 0), then averaged
    assert boxes[0].y2 == 35 and boxes[0].y1 == 8  # clipped to the frame
    with pytest.raises(ValueError, match="no face"):
        face_boxes([None, None], width=50, height=50, padding=Padding())


def test_only_the_face_boxes_change_and_the_new_sound_replaces_the_old(tmp_path: Path) -> None:
    clip = astronaut_clip(tmp_path / "clip.mp4")
    voice = speech(tmp_path / "voice.wav", seconds=0.75)
    request = LipsyncRequest(video=str(clip), audio=str(voice), batch_size=4, name="synced")
    [output] = run_lipsync(request, models=NO_MODELS, work_dir=tmp_path / "work", control=NullControl())

    source = decoded(clip)
    info = probe_video(output.path)
    assert info.frames == len(source) == 6 and info.has_audio
    assert abs(dominant_hz(output.path) - NEW_HZ) < 20  # the speech, not the clip's own 1 kHz tone
    boxes = json.loads((tmp_path / "work/lipsync/faces.json").read_text())["boxes"]
    for index, (before, (x1, y1, x2, y2)) in enumerate(zip(source, boxes, strict=True)):
        assert 60 < x1 < x2 < 160 and 10 < y1 < y2 < 120, boxes  # the astronaut's face, found
        after = np.asarray(Image.open(tmp_path / f"work/lipsync/frames/{index:06d}.png"))
        outside = np.ones(before.shape[:2], bool)
        outside[y1:y2, x1:x2] = False
        assert np.array_equal(after[outside], before[outside])
        assert np.abs(after[~outside].astype(int) - before[~outside]).mean() > 5  # re-drawn inside
    encoded = decoded(output.path)
    assert np.abs(encoded[3][:10].astype(int) - source[3][:10]).mean() < 4  # the encode kept the rest


class StopAfter:
    def __init__(self, chunks: int) -> None:
        self.chunks, self.seen = chunks, 0

    def progress(self, done: int, total: int, message: str = "") -> None:
        self.seen += 1

    def should_stop(self) -> bool:
        return self.seen >= self.chunks


def test_a_stopped_lipsync_resumes_without_redoing_frames(tmp_path: Path) -> None:
    clip = astronaut_clip(tmp_path / "clip.mp4")
    request = LipsyncRequest(video=str(clip), audio=str(speech(tmp_path / "v.wav", 0.75)), batch_size=2)
    with pytest.raises(Cancelled):
        run_lipsync(request, models=NO_MODELS, work_dir=tmp_path / "w", control=StopAfter(1))
    first = (tmp_path / "w/lipsync/frames/000000.png").stat().st_mtime_ns
    [output] = run_lipsync(request, models=NO_MODELS, work_dir=tmp_path / "w", control=NullControl())
    made = attempts(tmp_path / "w/lipsync/log.jsonl")
    assert made == {1: [(0, 2)], 2: [(2, 4), (4, 6)]}
    assert (tmp_path / "w/lipsync/frames/000000.png").stat().st_mtime_ns == first
    assert output.frames == 6


def kiln(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KILN_DEVICE": "cpu", "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "kiln.cli", *map(str, args)]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_the_command_line_syncs_and_refuses_bad_inputs(tmp_path: Path) -> None:
    clip = astronaut_clip(tmp_path / "clip.mp4")
    voice = speech(tmp_path / "voice.wav", 0.75)
    done = kiln("lipsync", clip, voice, "--out", "talk.mp4", "--pad-bottom", "6", "--batch-size", "3", cwd=tmp_path)
    assert done.returncode == 0, done.stderr + done.stdout
    assert probe_video(tmp_path / "talk.mp4").frames == 6

    blank = tmp_path / "blank.mp4"
    encode_video([Image.new("RGB", (64, 64), "gray")] * 4, blank, fps=8, format="mp4")
    long = tmp_path / "long.mp4"
    frame = Image.new("RGB", (16, 16), "gray")
    encode_video([frame] * 1210, long, fps=2, format="mp4")  # 605 s
    silent = astronaut_clip(tmp_path / "silent.mp4", frames=2, audio=False)
    for args, field, words in [
        ((blank, voice), "video", "no face found"),
        ((clip, silent), "audio", "no audio track"),
        ((long, voice), "video", "at most 600 s"),
    ]:
        refused = kiln("lipsync", *args, "--out", "x.mp4", cwd=tmp_path)
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert field in refused.stdout + refused.stderr and words in refused.stdout + refused.stderr
